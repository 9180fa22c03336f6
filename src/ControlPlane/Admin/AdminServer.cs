using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// The admin socket: a Unix stream socket speaking a one-line protocol. A client sends one command line ending in
/// '\n'; the server writes the answer text, then a NUL and the <see cref="AdminStatus"/> octet (as FRR's vtysh
/// protocol ends each answer with its status), and closes. "terminal monitor" instead keeps the connection open and
/// streams every log record (numbered messages and debug lines, formatted as on stdout) until the client closes it.
/// </summary>
public sealed class AdminServer : IAsyncDisposable
{
    /// <summary>The pause after a failed accept (EMFILE leaves the connection queued: retrying at once would spin).</summary>
    private static readonly TimeSpan AcceptRetry = TimeSpan.FromMilliseconds(50);

    private readonly AdminDispatcher _dispatcher;
    private readonly AdminServerOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _clientsLock = new();
    private readonly HashSet<Task> _clients = [];
    private Socket? _listener;
    private Task? _acceptLoop;

    /// <summary>A server executing commands with <paramref name="dispatcher"/>.</summary>
    public AdminServer(AdminDispatcher dispatcher, AdminServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        _dispatcher = dispatcher;
        _options = options ?? new AdminServerOptions();
    }

    /// <summary>The bound socket path.</summary>
    public string SocketPath => _options.SocketPath;

    /// <summary>
    /// Binds the socket (creating its directory, replacing a stale socket file left by a crashed run) and starts
    /// accepting. Throws <see cref="IOException"/> if another server answers on the path.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("already started");
        }

        string path = _options.SocketPath;
        string? dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        if (File.Exists(path))
        {
            if (IsAlive(path))
            {
                throw new IOException($"another process is serving {path}");
            }

            File.Delete(path);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, _options.SocketMode);
            }

            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener, _stop.Token);
    }

    private static bool IsAlive(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken ct)
    {
        bool failing = false;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(ct).ConfigureAwait(false);
                failing = false;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException ex)
            {
                if (ct.IsCancellationRequested)
                {
                    break;
                }

                // EMFILE/ENFILE leave the connection in the backlog, so an immediate retry fails again: without a pause
                // this loop would spin a core while the PPTP listener frees descriptors (it sheds, PptpListener).
                // Said once per episode; the operator's command is answered as soon as a descriptor is free.
                if (!failing)
                {
                    _dispatcher.Log.Write(PixSeverity.Warning, $"admin socket {_options.SocketPath}: accept failed ({ex.SocketErrorCode}: {ex.Message}); retrying every {AcceptRetry.TotalMilliseconds:0} ms");
                    failing = true;
                }

                try
                {
                    await Task.Delay(AcceptRetry, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            var task = ServeAsync(client, ct);
            lock (_clientsLock)
            {
                _clients.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (_clientsLock)
                    {
                        _clients.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                await using var stream = new NetworkStream(client, ownsSocket: false);
                string? line;
                using (var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    readTimeout.CancelAfter(_options.ReadTimeout);
                    line = await ReadLineAsync(stream, readTimeout.Token).ConfigureAwait(false);
                }

                AdminReply reply;
                if (line is null)
                {
                    if (ct.IsCancellationRequested)
                    {
                        return;
                    }

                    reply = new AdminReply(AdminStatus.InvalidInput, $"% No command line within {_options.ReadTimeout.TotalSeconds:0.#} s\n");
                }
                else
                {
                    var parsed = AdminCommandParser.Parse(line);
                    if (parsed.Success && parsed.Command.Kind == AdminCommandKind.TerminalMonitor)
                    {
                        await MonitorAsync(client, stream, ct).ConfigureAwait(false);
                        return;
                    }

                    // The line, not the parsed PIX command: the dispatcher also knows the operator commands (OperatorCommandParser).
                    reply = await _dispatcher.ExecuteAsync(line, ct).ConfigureAwait(false);
                }

                await stream.WriteAsync(AdminClient.Encode(reply), ct).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                // The client went away, or the socket failed under it: the client sees no status octet and says so
                // (AdminClient.Decode); the log says why here.
                _dispatcher.Log.Write(PixSeverity.Warning, $"admin socket {_options.SocketPath}: connection ended before its answer was written: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    /// <summary>Reads up to the first '\n' (at most MaxLineLength + 2 bytes); null on a timeout.</summary>
    private static async Task<string?> ReadLineAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[AdminCommandParser.MaxLineLength + 2];
        int length = 0;
        try
        {
            while (length < buffer.Length)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                int newline = Array.IndexOf(buffer, (byte)'\n', length, n);
                length += n;
                if (newline >= 0)
                {
                    length = newline;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        if (length > 0 && buffer[length - 1] == '\r')
        {
            length--;
        }

        // Invalid UTF-8 becomes U+FFFD, which the parser rejects as invalid input.
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private async Task MonitorAsync(Socket client, NetworkStream stream, CancellationToken ct)
    {
        var sink = new ChannelSink(_options.MonitorQueueLength);
        var log = _dispatcher.Log;
        log.AddSink(sink);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            // The client says nothing more; its read side reaching end-of-stream means it has gone.
            var watch = WatchForCloseAsync(stream, done);
            await stream.WriteAsync("% Monitoring; close the connection to stop\n"u8.ToArray(), done.Token).ConfigureAwait(false);
            await foreach (string line in sink.Reader.ReadAllAsync(done.Token).ConfigureAwait(false))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(line), done.Token).ConfigureAwait(false);
            }

            await watch.ConfigureAwait(false);
        }
        finally
        {
            log.RemoveSink(sink);
            sink.Complete();
            client.Close();
        }
    }

    private static async Task WatchForCloseAsync(NetworkStream stream, CancellationTokenSource done)
    {
        var scratch = new byte[64];
        try
        {
            while (await stream.ReadAsync(scratch, done.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting, ends monitor sessions and removes the socket file.</summary>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] pending;
        lock (_clientsLock)
        {
            pending = [.. _clients];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        if (_listener is not null)
        {
            try
            {
                File.Delete(_options.SocketPath);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Queues formatted lines for one monitor client; drops when its queue is full so logging never waits.</summary>
    private sealed class ChannelSink(int capacity) : ILogSink
    {
        private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

        public ChannelReader<string> Reader => _channel.Reader;

        public void Write(in LogRecord record) => _channel.Writer.TryWrite(ConsoleLogSink.FormatLine(record) + "\n");

        public void Complete() => _channel.Writer.TryComplete();
    }
}
