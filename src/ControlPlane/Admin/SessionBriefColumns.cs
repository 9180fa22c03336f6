using System.Globalization;
using System.Net;

namespace PptpGw.ControlPlane.Admin;

/// <summary>The columns of <c>show vpdn session brief</c> (accel-cmd's <c>show sessions</c> columns, in PIX terms).</summary>
public static class SessionBriefColumns
{
    /// <summary>Every column, in the order <c>columns all</c> shows them.</summary>
    public static IReadOnlyList<SessionBriefColumn> All { get; } =
    [
        Number("id", s => s.PppInterfaceId),
        Textual("user", s => s.UserName ?? "-"),
        new("ip", s => s.ClientAddress?.ToString() ?? "-", s => AddressKey(s.ClientAddress)),
        new("remote", s => s.RemoteAddress.ToString(), s => AddressKey(s.RemoteAddress)),
        Number("tunnel", s => s.TunnelId),
        Number("call", s => s.CallId),
        Textual("state", s => s.State),
        Textual("mppe", s => s.Mppe.ToString()),
        new("uptime", s => FormatUptime(s.Uptime), s => (long)s.Uptime.TotalSeconds) { Numeric = true },
        Number("rx-pkts", s => (long)s.PacketsReceived),
        Number("tx-pkts", s => (long)s.PacketsSent),
        Number("rx-bytes", s => (long)s.BytesReceived),
        Number("tx-bytes", s => (long)s.BytesSent),
        Number("drops", s => (long)s.DroppedPackets),
        Textual("aaa", s => s.AaaServer ?? "-"),
    ];

    /// <summary>The columns shown without <c>columns</c>.</summary>
    public static IReadOnlyList<SessionBriefColumn> Default { get; } =
        [.. new[] { "id", "user", "ip", "remote", "tunnel", "call", "state", "mppe", "uptime", "rx-bytes", "tx-bytes" }.Select(n => Find(n)!)];

    /// <summary>The column named <paramref name="name"/> (exact or an unambiguous prefix), or null.</summary>
    public static SessionBriefColumn? Find(string name)
    {
        SessionBriefColumn? exact = All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
            return exact;
        SessionBriefColumn[] prefixed = [.. All.Where(c => c.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase))];
        return prefixed.Length == 1 ? prefixed[0] : null;
    }

    /// <summary>"00:05:12", "3d 04:00:10".</summary>
    public static string FormatUptime(TimeSpan uptime) =>
        uptime.Days > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{uptime.Days}d {uptime.Hours:00}:{uptime.Minutes:00}:{uptime.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{uptime.Hours:00}:{uptime.Minutes:00}:{uptime.Seconds:00}");

    private static SessionBriefColumn Number(string name, Func<SessionSnapshot, long> value) =>
        new(name, s => value(s).ToString(CultureInfo.InvariantCulture), s => value(s)) { Numeric = true };

    private static SessionBriefColumn Textual(string name, Func<SessionSnapshot, string> value) => new(name, value, value);

    private static IComparable? AddressKey(IPAddress? address) =>
        address is null ? null : Convert.ToHexString(address.GetAddressBytes());
}
