using System.Globalization;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Renders events as the reference PIX's debug output (reference guide, "debug vpdn" captures).</summary>
public static class PptpDebugText
{
    /// <summary>Octets of a message the PIX prints before "..." in "CC I 009c00011a2b…".</summary>
    public const int HexPrefixLength = 22;

    /// <summary>"Tnl 9 PPTP: CC I 009c00011a2b3c4d0001000001000000000000010000..." — the first 22 octets in hex.</summary>
    public static string PacketHex(uint tunnelId, PptpMessageDirection direction, ReadOnlySpan<byte> message)
    {
        ReadOnlySpan<byte> head = message.Length > HexPrefixLength ? message[..HexPrefixLength] : message;
        string ellipsis = message.Length > HexPrefixLength ? "..." : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Tnl {tunnelId} PPTP: CC {DirectionLetter(direction)} {Convert.ToHexStringLower(head)}{ellipsis}");
    }

    /// <summary>"Tnl 9 PPTP: CC I SCCRQ"; for a call message "Tnl/Cl 9/9 PPTP: CC O OCRP".</summary>
    public static string PacketType(uint tunnelId, ushort? callId, PptpMessageDirection direction, PptpControlMessageType type) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix(tunnelId, callId)} PPTP: CC {DirectionLetter(direction)} {type.Abbreviation()}");

    /// <summary>"Tnl 9 PPTP: SCCRQ-ok -> state change wt-sccrq to estabd"; "Tnl/Cl 9/9 PPTP: vacc-ok -> state change wt-vacc to estabd".</summary>
    public static string StateChange(in PptpStateChange change) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Prefix(change.TunnelId, change.CallId)} PPTP: {change.Trigger} -> state change {change.From} to {change.To}");

    /// <summary>"Tnl 9 PPTP: error: …" (listener errors: "PPTP: error: …").</summary>
    public static string Error(uint tunnelId, PptpErrorKind kind, string detail) =>
        tunnelId == 0
            ? string.Create(CultureInfo.InvariantCulture, $"PPTP: {kind}: {detail}")
            : string.Create(CultureInfo.InvariantCulture, $"Tnl {tunnelId} PPTP: {kind}: {detail}");

    private static string Prefix(uint tunnelId, ushort? callId) =>
        callId is { } call
            ? string.Create(CultureInfo.InvariantCulture, $"Tnl/Cl {tunnelId}/{call}")
            : string.Create(CultureInfo.InvariantCulture, $"Tnl {tunnelId}");

    private static char DirectionLetter(PptpMessageDirection direction) => direction == PptpMessageDirection.In ? 'I' : 'O';
}
