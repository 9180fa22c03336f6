using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// Sends the records of an <see cref="AccountingQueue"/> to a TACACS+ group (RFC 8907 §7). A transmission is one
/// accounting session over TCP run by <see cref="TacacsPlusClient"/>, which already fails over across the group's servers
/// in order; so the queue sees the group as one server, and a transmission is only retried (by the queue's back-off)
/// when no server stored the record. At most one transmission of a record runs at a time.
/// </summary>
public sealed class TacacsAccountingTransport : IAccountingTransport
{
    private readonly TacacsPlusClient _client;
    private readonly string _name;
    private readonly TimeSpan _timeout;
    private readonly GatewayLog? _log;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];
    private IAccountingAcknowledgementSink? _sink;
    private long _transmissions, _stored, _failed;

    /// <summary>A transport over <paramref name="client"/> (not owned) for <paramref name="group"/>.</summary>
    public TacacsAccountingTransport(TacacsPlusClient client, AaaServerGroup group, GatewayLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(group);
        _client = client;
        _log = log;
        _name = $"{group.Name} ({string.Join(", ", group.Hosts.Select(h => $"{h.Address}:{h.AuthenticationPort}"))})";
        // One transmission can take every server's timeout in turn.
        _timeout = TimeSpan.FromSeconds(Math.Max(1, group.Hosts.Sum(h => Math.Max(1, h.TimeoutSeconds))));
    }

    /// <summary>Accounting sessions started.</summary>
    public long Transmissions => Interlocked.Read(ref _transmissions);

    /// <summary>Records a server stored.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Sessions no server completed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <inheritdoc/>
    public int ServerCount => 1;

    /// <inheritdoc/>
    /// <remarks>TACACS+ answers on the request's own TCP connection (RFC 8907 §4): a reply that fails is a failed
    /// transmission (<see cref="Failed"/>), never one to ignore.</remarks>
    public AccountingIgnoredReplies IgnoredReplies => default;

    /// <inheritdoc/>
    public string ServerName(int server) => _name;

    /// <inheritdoc/>
    public TimeSpan ServerTimeout(int server) => _timeout;

    /// <inheritdoc/>
    public void Attach(IAccountingAcknowledgementSink sink) => _sink = sink ?? throw new ArgumentNullException(nameof(sink));

    /// <inheritdoc/>
    public void Transmit(AccountingRecord record, int server, uint delaySeconds)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (record.TransportClosed || record.TransportState is Task { IsCompleted: false } || _lifetime.IsCancellationRequested)
                return;
            Interlocked.Increment(ref _transmissions);
            Task task = Task.Run(() => SendAsync(record));
            record.TransportState = task;
            _running.Add(task);
            _ = task.ContinueWith(t => { lock (_lock) _running.Remove(t); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <inheritdoc/>
    public void Forget(AccountingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
            record.TransportClosed = true;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_lock)
            running = [.. _running];
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _lifetime.Dispose();
    }

    private async Task SendAsync(AccountingRecord record)
    {
        try
        {
            await _client.AccountAsync(record.Payload, _lifetime.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _stored);
            _sink?.Acknowledged(record, 0, toEarlierTransmission: false);
        }
        catch (TacacsUnavailableException ex)
        {
            Interlocked.Increment(ref _failed);
            _log?.Debug(DebugClasses.PppUauth, $"tacacs+: accounting {record} not stored yet: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
