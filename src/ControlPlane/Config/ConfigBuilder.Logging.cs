using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Config;

/// <summary>The <c>logging</c> lines (<see cref="LoggingConfig"/>); the rest of the PIX's (buffered, console, timestamp...) are ignored.</summary>
internal sealed partial class ConfigBuilder
{
    private LoggingConfig _logging = LoggingConfig.Default;
    private readonly List<LoggingHostConfig> _loggingHosts = [];
    private readonly Dictionary<PixMessageId, PixSeverity?> _messageLevels = [];

    private static readonly string[] LevelNames = ["emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"];

    /// <summary>The <c>logging</c> settings read so far (hosts and message levels gathered in order).</summary>
    private LoggingConfig BuildLogging() => _logging with
    {
        Hosts = [.. _loggingHosts],
        MessageLevels = _messageLevels.ToImmutableDictionary(),
    };

    /// <summary>A <c>logging ...</c> line (or <c>no logging message ID</c>); false when it is not one of ours (ignored as a PIX line).</summary>
    private bool Logging(int line, string[] t, bool negated)
    {
        if (t.Length < 2)
            return false;
        string context = Head(t, 2);
        switch (Lower(t[1]))
        {
            case "on" when t.Length == 2:
                _logging = _logging with { Enabled = !negated };
                return true;
            case "trap":
                if (negated)
                    return false;
                if (t.Length != 3 || ParseLevel(t[2]) is not { } trap)
                    Error(line, $"{context}: expected a level 0-7 or {string.Join('|', LevelNames)}");
                else
                    _logging = _logging with { TrapLevel = trap };
                return true;
            case "facility":
                if (negated)
                    return false;
                if (t.Length != 3 || !int.TryParse(t[2], NumberStyles.None, CultureInfo.InvariantCulture, out int facility) || facility is < 16 or > 23)
                    Error(line, $"{context}: expected 16-23 (local0-local7; the PIX's default is 20)");
                else
                    _logging = _logging with { Facility = (SyslogFacility)facility };
                return true;
            case "host":
                if (negated)
                    return false;
                LoggingHost(line, t, context);
                return true;
            case "message":
                {
                    if (t.Length < 3 || !int.TryParse(t[2], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id is < 100000 or > 999999)
                    {
                        Error(line, $"{context}: expected a 6-digit message id");
                        return true;
                    }
                    if (negated)
                    {
                        if (t.Length != 3)
                            Error(line, $"no {context}: expected 'no logging message ID'");
                        else
                            _messageLevels[(PixMessageId)id] = null;
                        return true;
                    }
                    if (t.Length != 5 || !Is(t, 3, "level") || ParseLevel(t[4]) is not { } level)
                        Error(line, $"{context}: expected 'logging message ID level LEVEL'");
                    else
                        _messageLevels[(PixMessageId)id] = level;
                    return true;
                }
            case "json" when !negated:
                if (t.Length == 3 && Is(t, 2, "on"))
                    _logging = _logging with { Json = true };
                else if (t.Length == 3 && Is(t, 2, "off"))
                    _logging = _logging with { Json = false };
                else
                    Error(line, "logging json: expected 'logging json on' or 'logging json off'");
                return true;
            default:
                return false;
        }
    }

    /// <summary><c>logging host [IF] ADDR [udp/PORT] [format rfc3164|rfc5424]</c> (PIX 6.3 syntax plus the format).</summary>
    private void LoggingHost(int line, string[] t, string context)
    {
        int i = 2;
        string? ifc = null;
        if (i < t.Length && !IPAddress.TryParse(t[i], out _))
            ifc = t[i++];
        if (i >= t.Length || !IPAddress.TryParse(t[i], out IPAddress? address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            Error(line, $"{context}: expected 'logging host [IF] A.B.C.D [udp/PORT] [format rfc3164|rfc5424]'");
            return;
        }
        i++;
        int port = 514;
        var format = SyslogFormat.Rfc3164;
        for (; i < t.Length; i++)
        {
            string word = Lower(t[i]);
            if (word.StartsWith("udp/", StringComparison.Ordinal) || word.StartsWith("17/", StringComparison.Ordinal))
            {
                if (!int.TryParse(word[(word.IndexOf('/', StringComparison.Ordinal) + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                {
                    Error(line, $"{context}: '{t[i]}' is not udp/PORT with PORT 1-65535");
                    return;
                }
            }
            else if (word.StartsWith("tcp/", StringComparison.Ordinal) || word.StartsWith("6/", StringComparison.Ordinal))
            {
                Error(line, $"{context}: syslog over TCP is not supported (use udp/PORT)");
                return;
            }
            else if (word == "format" && i + 1 < t.Length && Lower(t[i + 1]) is "rfc3164" or "rfc5424")
            {
                format = Lower(t[++i]) == "rfc5424" ? SyslogFormat.Rfc5424 : SyslogFormat.Rfc3164;
            }
            else if (word == "format" && i + 1 < t.Length && Lower(t[i + 1]) == "emblem")
            {
                Warning(line, $"{context}: format emblem is not supported; sending RFC 3164");
                i++;
            }
            else
            {
                Error(line, $"{context}: unexpected '{t[i]}' (expected udp/PORT or format rfc3164|rfc5424)");
                return;
            }
        }
        if (_loggingHosts.Count >= 16)
        {
            Error(line, $"{context}: at most 16 logging hosts");
            return;
        }
        _loggingHosts.Add(new LoggingHostConfig(ifc, new IPEndPoint(address, port), format));
    }

    /// <summary>"informational", "info", "6" → Informational; null when not a level.</summary>
    private static PixSeverity? ParseLevel(string word)
    {
        if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return n is >= 0 and <= 7 ? (PixSeverity)n : null;
        string[] matches = [.. LevelNames.Where(l => l.StartsWith(word.ToLowerInvariant(), StringComparison.Ordinal))];
        return matches.Length == 1 ? (PixSeverity)Array.IndexOf(LevelNames, matches[0]) : null;
    }
}
