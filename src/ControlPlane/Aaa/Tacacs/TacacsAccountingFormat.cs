using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// TACACS+ accounting records (RFC 8907 §7.1, §8.3): the payload is the clear accounting REQUEST body (START, WATCHDOG,
/// STOP with task_id, start_time, stop_time, elapsed_time, bytes/paks and reason); the client obfuscates it per
/// transmission. Accounting-On/Off become START/STOP records of <c>service=system event=sys_acct</c>, as Cisco's
/// <c>aaa accounting system</c> sends them.
/// </summary>
public sealed class TacacsAccountingFormat : IAccountingRecordFormat
{
    /// <inheritdoc/>
    public byte[] Encode(AccountingEvent accountingEvent)
    {
        ArgumentNullException.ThrowIfNull(accountingEvent);
        if (accountingEvent.Session is not { } s)
            return System(accountingEvent);
        uint? address = s.FramedIpAddress is { } ip ? Ipv4.FromIPAddress(ip) : null;
        var session = new TacacsAccountingSession(accountingEvent.SessionId, s.UserName ?? "", s.Port ?? "", s.CallingStationId ?? "",
            address, AuthenType(s.AuthenticationProtocol), accountingEvent.SessionStart);
        var counters = new TacacsAccountingCounters(accountingEvent.Counters.InputOctets, accountingEvent.Counters.OutputOctets,
            accountingEvent.Counters.InputPackets, accountingEvent.Counters.OutputPackets);
        (TacacsAcctFlags flags, ImmutableArray<string> args) = accountingEvent.Kind switch
        {
            AccountingRecordKind.Start => (TacacsAcctFlags.Start, TacacsAccounting.StartArguments(session)),
            AccountingRecordKind.Interim => (TacacsAcctFlags.Watchdog, TacacsAccounting.WatchdogArguments(session, counters, accountingEvent.Time)),
            _ => (TacacsAcctFlags.Stop, TacacsAccounting.StopArguments(session, counters, accountingEvent.Time,
                accountingEvent.Cause is { } cause ? Reason(cause) : null)),
        };
        return TacacsPlusClient.EncodeAccountingBody(new TacacsAccountingRequest(flags, session.UserName, session.Port, session.RemoteAddress, args, session.AuthenType));
    }

    /// <inheritdoc/>
    public string Describe(ReadOnlySpan<byte> payload)
    {
        if (TacacsAcctRequest.TryParse(payload, out TacacsAcctRequest request) != TacacsError.None)
            throw new ArgumentException("not a TACACS+ accounting REQUEST body", nameof(payload));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"user {Encoding.UTF8.GetString(request.User)}, port {Encoding.ASCII.GetString(request.Port)}, rem_addr {Encoding.ASCII.GetString(request.RemoteAddress)}");
        foreach (string arg in request.Arguments.ToStrings())
            sb.Append(", ").Append(arg);
        return sb.ToString();
    }

    /// <summary>The TACACS+ authen_type of a PPP authentication protocol.</summary>
    public static TacacsAuthenType AuthenType(PppAuthProtocol? protocol) => protocol switch
    {
        PppAuthProtocol.Pap => TacacsAuthenType.Pap,
        PppAuthProtocol.Chap => TacacsAuthenType.Chap,
        PppAuthProtocol.MsChapV1 => TacacsAuthenType.MsChap,
        PppAuthProtocol.MsChapV2 => TacacsAuthenType.MsChapV2,
        _ => TacacsAuthenType.NotSet,
    };

    /// <summary>The reason= text of a terminate cause (RFC 2866 §5.10 names).</summary>
    public static string Reason(AcctTerminateCause cause) => cause switch
    {
        AcctTerminateCause.UserRequest => "User-Request",
        AcctTerminateCause.LostCarrier => "Lost-Carrier",
        AcctTerminateCause.IdleTimeout => "Idle-Timeout",
        AcctTerminateCause.SessionTimeout => "Session-Timeout",
        AcctTerminateCause.AdminReset => "Admin-Reset",
        AcctTerminateCause.AdminReboot => "Admin-Reboot",
        AcctTerminateCause.NasError => "NAS-Error",
        _ => cause.ToString(),
    };

    private static byte[] System(AccountingEvent e)
    {
        bool on = e.Kind == AccountingRecordKind.AccountingOn;
        string time = e.Time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        ImmutableArray<string> args =
        [
            "task_id=" + e.SessionId,
            (on ? "start_time=" : "stop_time=") + time,
            "timezone=UTC",
            "service=system",
            "event=sys_acct",
            "reason=" + (on ? "reload" : "shutdown"),
        ];
        return TacacsPlusClient.EncodeAccountingBody(new TacacsAccountingRequest(on ? TacacsAcctFlags.Start : TacacsAcctFlags.Stop, "", "", "", args,
            TacacsAuthenType.NotSet, Service: TacacsAuthenService.None));
    }
}
