using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>One PPP session as TACACS+ accounting knows it; <see cref="TacacsAccounting.Begin"/> makes one.</summary>
/// <param name="TaskId">task_id (RFC 8907 §8.3): the same in the START and STOP records of a session.</param>
/// <param name="ClientAddress">The address the client got (host order), sent as addr=; null when none yet.</param>
public sealed record TacacsAccountingSession(
    string TaskId,
    string UserName,
    string Port,
    string RemoteAddress,
    uint? ClientAddress,
    TacacsAuthenType AuthenType,
    DateTimeOffset StartTime);

/// <summary>Traffic counters of a session (from the dataplane), for the STOP and WATCHDOG records.</summary>
public readonly record struct TacacsAccountingCounters(ulong BytesIn, ulong BytesOut, ulong PacketsIn, ulong PacketsOut);

/// <summary>
/// TACACS+ accounting (RFC 8907 §7) of PPP sessions: a START record when the link comes up, WATCHDOG records while it
/// lasts, and a STOP record when it ends, with the §8.3 arguments task_id, start_time, stop_time, elapsed_time,
/// timezone, bytes_in/out, paks_in/out and reason, plus service=ppp, protocol=ip and addr=. Each record goes to the
/// group's servers in order until one answers SUCCESS; a record no server stored is logged and reported as false.
/// </summary>
public sealed class TacacsAccounting
{
    private readonly TacacsPlusClient _client;
    private readonly GatewayLog? _log;
    private readonly TimeProvider _time;

    public TacacsAccounting(TacacsPlusClient client, GatewayLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _log = log;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>A new session starting now with a fresh random task_id.</summary>
    public TacacsAccountingSession Begin(string userName, string port, string remoteAddress, uint? clientAddress, TacacsAuthenType authenType)
    {
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        return new TacacsAccountingSession(Convert.ToHexStringLower(id), userName, port, remoteAddress, clientAddress, authenType, _time.GetUtcNow());
    }

    /// <summary>Sends the START record; true when a server stored it.</summary>
    public ValueTask<bool> StartAsync(TacacsAccountingSession session, CancellationToken cancellationToken) =>
        SendAsync(session, TacacsAcctFlags.Start, StartArguments(session), cancellationToken);

    /// <summary>Sends a WATCHDOG (interim) record with the counters so far; true when a server stored it.</summary>
    public ValueTask<bool> WatchdogAsync(TacacsAccountingSession session, TacacsAccountingCounters counters, CancellationToken cancellationToken) =>
        SendAsync(session, TacacsAcctFlags.Watchdog, WatchdogArguments(session, counters, _time.GetUtcNow()), cancellationToken);

    /// <summary>Sends the STOP record; <paramref name="reason"/> (printable ASCII) says why the session ended. True when a server stored it.</summary>
    public ValueTask<bool> StopAsync(TacacsAccountingSession session, TacacsAccountingCounters counters, string? reason, CancellationToken cancellationToken) =>
        SendAsync(session, TacacsAcctFlags.Stop, StopArguments(session, counters, _time.GetUtcNow(), reason), cancellationToken);

    /// <summary>The §8.3 arguments of a START record.</summary>
    public static ImmutableArray<string> StartArguments(TacacsAccountingSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var args = ImmutableArray.CreateBuilder<string>();
        Common(args, session);
        return args.ToImmutable();
    }

    /// <summary>The §8.3 arguments of a WATCHDOG record at <paramref name="now"/>.</summary>
    public static ImmutableArray<string> WatchdogArguments(TacacsAccountingSession session, TacacsAccountingCounters counters, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        var args = ImmutableArray.CreateBuilder<string>();
        Common(args, session);
        args.Add(Arg("elapsed_time", Elapsed(session, now)));
        Counters(args, counters);
        return args.ToImmutable();
    }

    /// <summary>The §8.3 arguments of a STOP record at <paramref name="now"/>.</summary>
    public static ImmutableArray<string> StopArguments(TacacsAccountingSession session, TacacsAccountingCounters counters, DateTimeOffset now, string? reason)
    {
        ArgumentNullException.ThrowIfNull(session);
        var args = ImmutableArray.CreateBuilder<string>();
        Common(args, session);
        args.Add(Arg("stop_time", now.ToUnixTimeSeconds()));
        args.Add(Arg("elapsed_time", Elapsed(session, now)));
        Counters(args, counters);
        if (!string.IsNullOrEmpty(reason))
        {
            // §3.7: printable US-ASCII only; an argument is at most 255 octets with "reason=".
            string printable = new([.. reason.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
            args.Add("reason=" + printable[..Math.Min(printable.Length, byte.MaxValue - "reason=".Length)]);
        }
        return args.ToImmutable();
    }

    private static void Common(ImmutableArray<string>.Builder args, TacacsAccountingSession session)
    {
        args.Add("task_id=" + session.TaskId);
        args.Add(Arg("start_time", session.StartTime.ToUnixTimeSeconds()));
        args.Add("timezone=UTC");
        args.Add("service=ppp");
        args.Add("protocol=ip");
        if (session.ClientAddress is { } address)
            args.Add("addr=" + Ipv4.Format(address));
    }

    private static void Counters(ImmutableArray<string>.Builder args, TacacsAccountingCounters counters)
    {
        args.Add(Arg("bytes_in", counters.BytesIn));
        args.Add(Arg("bytes_out", counters.BytesOut));
        args.Add(Arg("paks_in", counters.PacketsIn));
        args.Add(Arg("paks_out", counters.PacketsOut));
    }

    private static long Elapsed(TacacsAccountingSession session, DateTimeOffset now) =>
        Math.Max(0, (long)(now - session.StartTime).TotalSeconds);

    private static string Arg<T>(string name, T value) where T : IFormattable =>
        name + "=" + value.ToString(null, CultureInfo.InvariantCulture);

    private async ValueTask<bool> SendAsync(TacacsAccountingSession session, TacacsAcctFlags flags, ImmutableArray<string> args,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            await _client.AccountAsync(new TacacsAccountingRequest(flags, session.UserName, session.Port, session.RemoteAddress, args, session.AuthenType),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TacacsUnavailableException e)
        {
            _log?.Write(PixSeverity.Warning, $"TACACS+ accounting {flags} record of user '{session.UserName}' (task_id {session.TaskId}) lost: {e.Message}");
            return false;
        }
    }
}
