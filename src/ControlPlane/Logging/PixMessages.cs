using System.Globalization;
using System.Net;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// The texts of the PIX system messages, one pure function per id (no "%PIX-s-id: " prefix, see
/// <see cref="LogRecord.Format"/>). Where the reference guide shows a message, its exact wording is kept, quirks
/// included (603104 has no comma after the peer address nor after the client address; 603105 uses " = ").
/// Strings that come from a peer (user names, reasons) pass through <see cref="Clean"/> so a client cannot forge
/// log lines with CR/LF.
/// </summary>
public static class PixMessages
{
    /// <summary>The severity the PIX gives <paramref name="id"/>.</summary>
    public static PixSeverity SeverityOf(PixMessageId id) => (int)id switch
    {
        (int)PixMessageId.AuthenSessionStart => PixSeverity.Critical,
        >= 213000 and < 214000 => PixSeverity.Error,
        >= 403000 and < 404000 => PixSeverity.Warning,
        >= 603000 and < 604000 => PixSeverity.Informational,
        _ => PixSeverity.Informational,
    };

    /// <summary>
    /// <paramref name="text"/> with control characters (C0, DEL, C1) replaced by '?', "Unknown" when null or empty
    /// (as 603104 prints a session that never authenticated).
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "Unknown";
        }

        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                return string.Create(text.Length, text, static (dest, src) =>
                {
                    for (int i = 0; i < src.Length; i++)
                    {
                        dest[i] = char.IsControl(src[i]) ? '?' : src[i];
                    }
                });
            }
        }

        return text;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>109011: "Authen Session Start: user 'john', sid 3".</summary>
    public static string AuthenSessionStart(string? user, long sessionId) => F($"Authen Session Start: user '{Clean(user)}', sid {sessionId}");

    /// <summary>213001: "PPTP control daemon socket io accept error, errno = 5"; <paramref name="what"/> is "accept error", "read error", ...</summary>
    public static string PptpControlSocketIoError(string what, int errno) => F($"PPTP control daemon socket io {what}, errno = {errno}");

    /// <summary>213002: "PPTP tunnel hashtable insert failed, peer = 10.44.17.104".</summary>
    public static string PptpTunnelHashtableInsertFailed(IPAddress peer) => F($"PPTP tunnel hashtable insert failed, peer = {peer}");

    /// <summary>213003: "PPP virtual interface 1 isn't opened".</summary>
    public static string PppVirtualInterfaceNotOpened(int virtualInterface) => F($"PPP virtual interface {virtualInterface} isn't opened");

    /// <summary>213004: "PPP virtual interface 1 client ip allocation failed" (the address pool is exhausted).</summary>
    public static string PppClientIpAllocationFailed(int virtualInterface) => F($"PPP virtual interface {virtualInterface} client ip allocation failed");

    /// <summary>403101: a GRE packet for a call whose PPTP session is not established.</summary>
    public static string PptpSessionNotEstablished(int tunnelId, int sessionId) =>
        F($"PPTP session state not established, but received an XGRE packet, tunnel_id={tunnelId}, session_id={sessionId}");

    /// <summary>403102: "PPP virtual interface 1 rcvd pkt with invalid protocol: 21, reason: mppe required but not active" (protocol in hex, as the PIX prints 0x0021 as "21").</summary>
    public static string PppInvalidProtocol(int virtualInterface, ushort protocol, string reason) =>
        F($"PPP virtual interface {virtualInterface} rcvd pkt with invalid protocol: {protocol:x}, reason: {Clean(reason)}");

    /// <summary>403103: "PPP virtual interface max connections reached" (the session limit).</summary>
    public static string PppMaxConnectionsReached() => "PPP virtual interface max connections reached";

    /// <summary>403104: "PPP virtual interface 1 requires mschap for MPPE".</summary>
    public static string PppRequiresMschapForMppe(int virtualInterface) => F($"PPP virtual interface {virtualInterface} requires mschap for MPPE");

    /// <summary>403106: "PPP virtual interface 1 requires RADIUS for MPPE" (TACACS+ cannot return MPPE keys).</summary>
    public static string PppRequiresRadiusForMppe(int virtualInterface) => F($"PPP virtual interface {virtualInterface} requires RADIUS for MPPE");

    /// <summary>403107: "PPP virtual interface 1 missing aaa server group info".</summary>
    public static string PppMissingAaaServerGroup(int virtualInterface) => F($"PPP virtual interface {virtualInterface} missing aaa server group info");

    /// <summary>403108: "PPP virtual interface 1 missing client ip address option".</summary>
    public static string PppMissingClientIpAddressOption(int virtualInterface) => F($"PPP virtual interface {virtualInterface} missing client ip address option");

    /// <summary>403109: a packet to the PPTP port that is not PPTP; data is hex of its first bytes.</summary>
    public static string NotPptpPacket(IPAddress destination, IPAddress source, ReadOnlySpan<byte> data) =>
        F($"Rec'd packet not an PPTP packet. (ip) dest_address= {destination}, src_addr= {source}, data: {PixDebugText.Hex(data)}");

    /// <summary>403110: "PPP virtual interface 1, user: cisco missing MPPE key from aaa server".</summary>
    public static string PppMissingMppeKey(int virtualInterface, string? user) =>
        F($"PPP virtual interface {virtualInterface}, user: {Clean(user)} missing MPPE key from aaa server");

    /// <summary>603101: "PPTP received out of seq or duplicate pkt, tnl_id=9, sess_id=9, seq=17".</summary>
    public static string PptpOutOfSequence(int tunnelId, int sessionId, uint sequence) =>
        F($"PPTP received out of seq or duplicate pkt, tnl_id={tunnelId}, sess_id={sessionId}, seq={sequence}");

    /// <summary>603102: "PPP virtual interface 1 - user: john aaa authentication started".</summary>
    public static string PppAaaAuthenticationStarted(int virtualInterface, string? user) =>
        F($"PPP virtual interface {virtualInterface} - user: {Clean(user)} aaa authentication started");

    /// <summary>603103: "PPP virtual interface 1 - user: john aaa authentication succeed" (or "failed").</summary>
    public static string PppAaaAuthenticationStatus(int virtualInterface, string? user, bool succeeded) =>
        F($"PPP virtual interface {virtualInterface} - user: {Clean(user)} aaa authentication {(succeeded ? "succeed" : "failed")}");

    /// <summary>
    /// 603104: "PPTP Tunnel created, tunnel_id is 9, remote_peer_ip is 10.44.17.104 ppp_virtual_interface_id is 1,
    /// client_dynamic_ip is 192.168.1.1 username is john, MPPE_key_strength is 40 bits". A session without an
    /// address prints 0.0.0.0 and one without a user "Unknown", as in the reference.
    /// </summary>
    public static string PptpTunnelCreated(int tunnelId, IPAddress remotePeer, int virtualInterface, IPAddress? clientAddress, string? user, MppeKeyStrength? mppe) =>
        F($"PPTP Tunnel created, tunnel_id is {tunnelId}, remote_peer_ip is {remotePeer} ppp_virtual_interface_id is {virtualInterface}, client_dynamic_ip is {clientAddress ?? IPAddress.Any} username is {Clean(user)}, MPPE_key_strength is {mppe.ToPixString()}");

    /// <summary>603105: "PPTP Tunnel deleted, tunnel_id = 15, remote_peer_ip = 10.44.17.104".</summary>
    public static string PptpTunnelDeleted(int tunnelId, IPAddress remotePeer) =>
        F($"PPTP Tunnel deleted, tunnel_id = {tunnelId}, remote_peer_ip = {remotePeer}");
}
