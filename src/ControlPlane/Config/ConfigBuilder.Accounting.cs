using System.Net;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.ControlPlane.Config;

internal sealed partial class ConfigBuilder
{
    private AccountingConfig _accounting = AccountingConfig.Default;
    private NasIdentityConfig _nas = NasIdentityConfig.None;
    private string? _hostname;

    /// <summary>Extensions <c>accounting spool|spool-size|spool-sync|retransmit|max-age|max-inflight|shutdown-wait ...</c>.</summary>
    private void Accounting(int line, string[] t)
    {
        const string Syntax = "expected 'accounting spool PATH', 'accounting spool-size MB', 'accounting spool-sync MS', "
            + "'accounting retransmit INITIAL MAX', 'accounting max-age SECONDS', 'accounting max-inflight N' or 'accounting shutdown-wait SECONDS'";
        if (t.Length < 3)
        {
            Error(line, "accounting: " + Syntax);
            return;
        }
        string context = Head(t, 2);
        bool One(int min, int max, out int value)
        {
            value = 0;
            if (t.Length == 3 && PixConfigParser.TryParseNumber(t[2], min, max, out value))
                return true;
            Error(line, $"{context}: expected one number from {min} to {max}");
            return false;
        }
        switch (Lower(t[1]))
        {
            case "spool":
                if (t.Length == 3 && t[2].StartsWith('/'))
                    _accounting = _accounting with { SpoolDirectory = t[2] };
                else
                    Error(line, $"{context}: expected an absolute directory path");
                break;
            case "spool-size" when One(1, 65536, out int mb):
                _accounting = _accounting with { SpoolSizeMegabytes = mb };
                break;
            case "spool-sync" when One(0, 60_000, out int ms):
                _accounting = _accounting with { SpoolSyncMilliseconds = ms };
                break;
            case "retransmit":
                if (t.Length == 4 && PixConfigParser.TryParseNumber(t[2], 1, 3600, out int initial)
                    && PixConfigParser.TryParseNumber(t[3], initial, 86400, out int maximum))
                    _accounting = _accounting with { RetransmitInitialSeconds = initial, RetransmitMaximumSeconds = maximum };
                else
                    Error(line, $"{context}: expected 'retransmit INITIAL MAX' in seconds, INITIAL 1-3600, MAX from INITIAL to 86400");
                break;
            case "max-age" when One(60, 366 * 86400, out int age):
                _accounting = _accounting with { MaximumAgeSeconds = age };
                break;
            case "max-inflight" when One(1, 65536, out int window):
                _accounting = _accounting with { MaxInFlightPerServer = window };
                break;
            case "shutdown-wait" when One(0, 3600, out int wait):
                _accounting = _accounting with { ShutdownWaitSeconds = wait };
                break;
            case "spool-size" or "spool-sync" or "max-age" or "max-inflight" or "shutdown-wait":
                break; // One() reported it
            default:
                Error(line, $"accounting: unknown setting '{t[1]}'; {Syntax}");
                break;
        }
    }

    /// <summary>The PIX <c>hostname NAME</c>: the default RADIUS NAS-Identifier.</summary>
    private void Hostname(int line, string[] t)
    {
        if (t.Length == 2)
            _hostname = t[1];
        else
            Warning(line, "hostname: expected 'hostname NAME'; line ignored");
    }

    /// <summary>Extensions <c>aaa-server radius-nas-identifier TEXT</c> and <c>aaa-server radius-nas-ip-address A.B.C.D</c>.</summary>
    private void NasIdentity(int line, string[] t)
    {
        string context = Head(t, 2);
        if (Is(t, 1, "radius-nas-identifier"))
        {
            if (t.Length < 3)
                Error(line, $"{context}: expected the identifier text");
            else
                _nas = _nas with { NasIdentifier = string.Join(' ', t.Skip(2)) };
            return;
        }
        if (t.Length == 3 && Ipv4.TryParse(t[2], out uint address))
            _nas = _nas with { NasIpAddress = Ipv4.ToIPAddress(address) };
        else
            Error(line, $"{context}: expected one IPv4 address");
    }

    /// <summary>Extension <c>vpdn group G accounting unanswered-start carry-on|disconnect SECONDS</c>.</summary>
    private void UnansweredStart(int line, string[] t, VpdnGroupBuilder g)
    {
        string context = Head(t, 5);
        if (t.Length == 6 && Is(t, 5, "carry-on"))
            g.UnansweredStart = AccountingStartPolicy.CarryOn;
        else if (t.Length == 7 && Is(t, 5, "disconnect") && PixConfigParser.TryParseNumber(t[6], 1, 86400, out int seconds))
            g.UnansweredStart = new AccountingStartPolicy(true, seconds);
        else
        {
            Error(line, $"{context}: expected 'carry-on' or 'disconnect SECONDS' (1-86400)");
            return;
        }
        g.UnansweredStartLine = line;
    }
}
