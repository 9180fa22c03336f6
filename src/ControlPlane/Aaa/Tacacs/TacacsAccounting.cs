using System.Collections.Immutable;
using System.Globalization;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// The §8.3 arguments of TACACS+ accounting records (RFC 8907 §7) of PPP sessions: task_id, start_time, stop_time,
/// elapsed_time, timezone, bytes_in/out, paks_in/out and reason, plus service=ppp, protocol=ip and addr=. The records go
/// through the durable accounting queue (<see cref="TacacsAccountingFormat"/>, <see cref="TacacsAccountingTransport"/>).
/// </summary>
public static class TacacsAccounting
{
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
}
