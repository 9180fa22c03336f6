namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// The PIX 6.3 system log message ids the gateway emits. Texts follow the reference guide's captures where it shows
/// them (603102..603105, 403110, 213001, 109011) and the PIX 6.3 system log message catalogue otherwise.
/// </summary>
public enum PixMessageId
{
    /// <summary>Not a numbered message: debug output or free text.</summary>
    None = 0,
    /// <summary>%PIX-2-109011: Authen Session Start: user 'user', sid number.</summary>
    AuthenSessionStart = 109011,
    /// <summary>%PIX-3-213001: PPTP control daemon socket io string, errno = number (the PIX's 127-session wall).</summary>
    PptpControlSocketIoError = 213001,
    /// <summary>%PIX-3-213002: PPTP tunnel hashtable insert failed, peer = address.</summary>
    PptpTunnelHashtableInsertFailed = 213002,
    /// <summary>%PIX-3-213003: PPP virtual interface number isn't opened.</summary>
    PppVirtualInterfaceNotOpened = 213003,
    /// <summary>%PIX-3-213004: PPP virtual interface number client ip allocation failed.</summary>
    PppClientIpAllocationFailed = 213004,
    /// <summary>%PIX-4-403101: PPTP session state not established, but received an XGRE packet.</summary>
    PptpSessionNotEstablished = 403101,
    /// <summary>%PIX-4-403102: PPP virtual interface number rcvd pkt with invalid protocol: protocol, reason: reason.</summary>
    PppInvalidProtocol = 403102,
    /// <summary>%PIX-4-403103: PPP virtual interface max connections reached.</summary>
    PppMaxConnectionsReached = 403103,
    /// <summary>%PIX-4-403104: PPP virtual interface number requires mschap for MPPE.</summary>
    PppRequiresMschapForMppe = 403104,
    /// <summary>%PIX-4-403106: PPP virtual interface number requires RADIUS for MPPE.</summary>
    PppRequiresRadiusForMppe = 403106,
    /// <summary>%PIX-4-403107: PPP virtual interface number missing aaa server group info.</summary>
    PppMissingAaaServerGroup = 403107,
    /// <summary>%PIX-4-403108: PPP virtual interface number missing client ip address option.</summary>
    PppMissingClientIpAddressOption = 403108,
    /// <summary>%PIX-4-403109: Rec'd packet not an PPTP packet.</summary>
    NotPptpPacket = 403109,
    /// <summary>%PIX-4-403110: PPP virtual interface number, user: user missing MPPE key from aaa server.</summary>
    PppMissingMppeKey = 403110,
    /// <summary>%PIX-6-603101: PPTP received out of seq or duplicate pkt.</summary>
    PptpOutOfSequence = 603101,
    /// <summary>%PIX-6-603102: PPP virtual interface number - user: user aaa authentication started.</summary>
    PppAaaAuthenticationStarted = 603102,
    /// <summary>%PIX-6-603103: PPP virtual interface number - user: user aaa authentication succeed|failed.</summary>
    PppAaaAuthenticationStatus = 603103,
    /// <summary>%PIX-6-603104: PPTP Tunnel created, ...</summary>
    PptpTunnelCreated = 603104,
    /// <summary>%PIX-6-603105: PPTP Tunnel deleted, ...</summary>
    PptpTunnelDeleted = 603105,
}
