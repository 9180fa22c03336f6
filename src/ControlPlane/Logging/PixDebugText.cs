using System.Globalization;
using System.Net;
using System.Text;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Builders for the debug lines of the PIX's "debug vpdn ..." / "debug ppp ..." output, worded as in the reference
/// guide's captures so an operator who knows the PIX reads ours unchanged. Pure functions; call them only after
/// <see cref="GatewayLog.IsEnabled(DebugClasses)"/> (or inside <see cref="GatewayLog.Debug(DebugClasses, ref DebugInterpolatedStringHandler)"/>).
/// The class each line belongs to is given in its summary.
/// </summary>
public static class PixDebugText
{
    /// <summary>
    /// The PIX prints whole frames of up to 23 bytes and cuts longer ones to their first 22 bytes plus "...": in the
    /// reference, "PPP xmit, ifc = 0, len: 23 data: ff03c0210101...020802" is complete while the 27- and 38-byte
    /// frames show 22 bytes and "...".
    /// </summary>
    public const int HexFullLimit = 23;

    /// <summary>Bytes shown of a frame longer than <see cref="HexFullLimit"/>.</summary>
    public const int HexTruncatedBytes = 22;

    /// <summary>The reason text of the "mppe required" termination.</summary>
    public const string MppeRequiredReason = "mppe required but not active";

    /// <summary>All of <paramref name="data"/> in lower-case hex without separators.</summary>
    public static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(data);

    /// <summary><paramref name="data"/> in hex, cut like the PIX does (see <see cref="HexFullLimit"/>).</summary>
    public static string HexTruncated(ReadOnlySpan<byte> data) => data.Length <= HexFullLimit
        ? Convert.ToHexStringLower(data)
        : Convert.ToHexStringLower(data[..HexTruncatedBytes]) + "...";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>"Tnl 9" or, for a call, "Tnl/Cl 9/9": the prefix the PIX puts before "PPTP:".</summary>
    public static string Prefix(int tunnelId, int? callId = null) =>
        callId is int c ? F($"Tnl/Cl {tunnelId}/{c}") : F($"Tnl {tunnelId}");

    /// <summary>Any per-tunnel line: "Tnl 9 PPTP: protocol version 0x100" (text is cleaned of control characters).</summary>
    public static string TunnelLine(int tunnelId, int? callId, string text) => F($"{Prefix(tunnelId, callId)} PPTP: {PixMessages.Clean(text)}");

    /// <summary>vpdn events: "Tnl 9 PPTP: Tunnel created; peer initiated".</summary>
    public static string TunnelCreated(int tunnelId) => TunnelLine(tunnelId, null, "Tunnel created; peer initiated");

    /// <summary>vpdn events: "PPTP: created tunnel, id = 9".</summary>
    public static string CreatedTunnel(int tunnelId) => F($"PPTP: created tunnel, id = {tunnelId}");

    /// <summary>vpdn events: "Tnl 9 PPTP: SCCRQ-ok -> state change wt-sccrq to estabd".</summary>
    public static string StateChange(int tunnelId, int? callId, string trigger, string fromState, string toState) =>
        F($"{Prefix(tunnelId, callId)} PPTP: {trigger} -> state change {fromState} to {toState}");

    /// <summary>vpdn events: "Tnl 9 PPTP: CC I SCCRQ" (received) or "Tnl/Cl 9/9 PPTP: CC O OCRP" (sent).</summary>
    public static string ControlMessage(int tunnelId, int? callId, bool received, string messageName) =>
        F($"{Prefix(tunnelId, callId)} PPTP: CC {(received ? 'I' : 'O')} {messageName}");

    /// <summary>vpdn packet: "Tnl 9 PPTP: CC I 009c00011a2b3c4d0001000001000000000000010000..." (a received control message).</summary>
    public static string ControlReceivedBytes(int tunnelId, ReadOnlySpan<byte> message) =>
        F($"{Prefix(tunnelId)} PPTP: CC I {HexTruncated(message)}");

    /// <summary>vpdn packet: "PPTP: cc rcv 156 bytes of data".</summary>
    public static string ControlReceive(int length) => F($"PPTP: cc rcv {length} bytes of data");

    /// <summary>vpdn packet: "PPTP: cc snddata, socket fd=1, len=156, data: 009c0001...".</summary>
    public static string ControlSend(long socketId, ReadOnlySpan<byte> message) =>
        F($"PPTP: cc snddata, socket fd={socketId}, len={message.Length}, data: {HexTruncated(message)}");

    /// <summary>vpdn events: "Tnl/Cl 9/9 PPTP: l2x store session: tunnel id 9, session id 9, hash_ix=9".</summary>
    public static string StoreSession(int tunnelId, int sessionId) =>
        F($"Tnl/Cl {tunnelId}/{sessionId} PPTP: l2x store session: tunnel id {tunnelId}, session id {sessionId}, hash_ix={sessionId}");

    /// <summary>vpdn events: "PPP virtual access open, ifc = 0".</summary>
    public static string VirtualAccessOpen(int ifc) => F($"PPP virtual access open, ifc = {ifc}");

    /// <summary>vpdn packet: "outside PPTP: Recvd xGRE pak from 10.44.17.104, len 39, seq 1, ack 1" (absent S/A fields left out, RFC 2637 §4.1).</summary>
    public static string GreReceived(string interfaceName, IPAddress from, int length, uint? sequence, uint? acknowledgment)
    {
        var sb = new StringBuilder(80);
        sb.Append(interfaceName).Append(" PPTP: Recvd xGRE pak from ").Append(from).Append(", len ").Append(length.ToString(CultureInfo.InvariantCulture));
        AppendSeqAck(sb, sequence, acknowledgment);
        return sb.ToString();
    }

    /// <summary>vpdn packet: "outside PPTP: Sending xGRE pak to 10.44.17.104, len 39, seq 1, ack 0, data: 3081880b...".</summary>
    public static string GreSending(string interfaceName, IPAddress to, ReadOnlySpan<byte> grePacket, uint? sequence, uint? acknowledgment)
    {
        var sb = new StringBuilder(128);
        sb.Append(interfaceName).Append(" PPTP: Sending xGRE pak to ").Append(to).Append(", len ").Append(grePacket.Length.ToString(CultureInfo.InvariantCulture));
        AppendSeqAck(sb, sequence, acknowledgment);
        sb.Append(", data: ").Append(HexTruncated(grePacket));
        return sb.ToString();
    }

    private static void AppendSeqAck(StringBuilder sb, uint? sequence, uint? acknowledgment)
    {
        if (sequence is uint s)
        {
            sb.Append(", seq ").Append(s.ToString(CultureInfo.InvariantCulture));
        }

        if (acknowledgment is uint a)
        {
            sb.Append(", ack ").Append(a.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>vpdn packet: "Interface outside - PPTP xGRE: Out paket, PPP len 23" (the PIX's spelling of "paket" kept).</summary>
    public static string GreOut(string interfaceName, int pppLength) => F($"Interface {interfaceName} - PPTP xGRE: Out paket, PPP len {pppLength}");

    /// <summary>ppp io: "PPP rcvd, ifc = 0, pppdev: 1, len: 23, data: ff03c021...".</summary>
    public static string PppReceived(int ifc, int pppDevice, ReadOnlySpan<byte> frame) =>
        F($"PPP rcvd, ifc = {ifc}, pppdev: {pppDevice}, len: {frame.Length}, data: {HexTruncated(frame)}");

    /// <summary>ppp io: "PPP xmit, ifc = 0, len: 23 data: ff03c021..." (no comma before "data", as the PIX prints it).</summary>
    public static string PppTransmit(int ifc, ReadOnlySpan<byte> frame) =>
        F($"PPP xmit, ifc = {ifc}, len: {frame.Length} data: {HexTruncated(frame)}");

    /// <summary>ppp io: "PPP Encr/Comp Pkt: 9000bccf..." (an MPPE packet, RFC 3078 §3).</summary>
    public static string PppEncryptedPacket(ReadOnlySpan<byte> payload) => "PPP Encr/Comp Pkt: " + HexTruncated(payload);

    /// <summary>ppp io: "PPP IP Pkt: 4500006002bb...".</summary>
    public static string PppIpPacket(ReadOnlySpan<byte> packet) => "PPP IP Pkt: " + HexTruncated(packet);

    /// <summary>vpdn error: "PPTP: Call id 8, no session id protocol: 21, reason: mppe required but not active, tunnel terminated".</summary>
    public static string MppeRequiredButNotActive(int callId, ushort protocol) =>
        F($"PPTP: Call id {callId}, no session id protocol: {protocol:x}, reason: {MppeRequiredReason}, tunnel terminated");

    /// <summary>ppp uauth: "uauth_mschap_send_req: pppdev=1, ulen=4, user=john" (ulen is the name's length in octets).</summary>
    public static string UauthMschapSendRequest(int pppDevice, string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return F($"uauth_mschap_send_req: pppdev={pppDevice}, ulen={Encoding.UTF8.GetByteCount(user)}, user={PixMessages.Clean(user)}");
    }

    /// <summary>ppp uauth: "uauth_mschap_proc_reply: pppdev = 1, status = 1" (1 = accepted).</summary>
    public static string UauthMschapProcessReply(int pppDevice, int status) => F($"uauth_mschap_proc_reply: pppdev = {pppDevice}, status = {status}");

    /// <summary>ppp uauth: "CHAP peer authentication succeeded for john".</summary>
    public static string ChapPeerAuthenticationSucceeded(string? user) => "CHAP peer authentication succeeded for " + PixMessages.Clean(user);
}
