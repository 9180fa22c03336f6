namespace PptpGw.ControlPlane.Ppp.Lcp;

/// <summary>LCP packet codes (RFC 1661 §5, RFC 1570 §2).</summary>
public enum LcpCode : byte
{
    ConfigureRequest = 1,
    ConfigureAck = 2,
    ConfigureNak = 3,
    ConfigureReject = 4,
    TerminateRequest = 5,
    TerminateAck = 6,
    CodeReject = 7,
    ProtocolReject = 8,
    EchoRequest = 9,
    EchoReply = 10,
    DiscardRequest = 11,
    /// <summary>RFC 1570 §2.1; Windows sends it during LCP (e.g. "MSRASV5.00").</summary>
    Identification = 12,
    /// <summary>RFC 1570 §2.2.</summary>
    TimeRemaining = 13,
}

/// <summary>LCP Configuration Option types (RFC 1661 §6 and the IANA "PPP LCP Configuration Option Types" registry).</summary>
public enum LcpOptionType : byte
{
    /// <summary>RFC 2153.</summary>
    VendorSpecific = 0,
    /// <summary>RFC 1661 §6.1.</summary>
    MaximumReceiveUnit = 1,
    /// <summary>RFC 1662 §7.1.</summary>
    AsyncControlCharacterMap = 2,
    /// <summary>RFC 1661 §6.2.</summary>
    AuthenticationProtocol = 3,
    /// <summary>RFC 1661 §6.3 (not supported: rejected).</summary>
    QualityProtocol = 4,
    /// <summary>RFC 1661 §6.4.</summary>
    MagicNumber = 5,
    /// <summary>RFC 1661 §6.5.</summary>
    ProtocolFieldCompression = 7,
    /// <summary>RFC 1661 §6.6.</summary>
    AddressAndControlFieldCompression = 8,
    /// <summary>RFC 1570 §2.1 (not supported).</summary>
    FcsAlternatives = 9,
    /// <summary>RFC 1570 §2.2 (not supported).</summary>
    SelfDescribingPadding = 10,
    /// <summary>RFC 1663 (not supported).</summary>
    NumberedMode = 11,
    /// <summary>Multi-Link-Procedure, obsolete (not supported).</summary>
    MultiLinkProcedure = 12,
    /// <summary>RFC 1570 §2.3; Windows proposes operation 6 (CBCP). Not supported: rejected.</summary>
    Callback = 13,
    /// <summary>Connect-Time, obsolete (not supported).</summary>
    ConnectTime = 14,
    /// <summary>Compound-Frames, obsolete (not supported).</summary>
    CompoundFrames = 15,
    /// <summary>Nominal-Data-Encapsulation, obsolete (not supported).</summary>
    NominalDataEncapsulation = 16,
    /// <summary>RFC 1990 §5.1.1 Multilink MRRU (not supported).</summary>
    MultilinkMrru = 17,
    /// <summary>RFC 1990 §5.1.2 (not supported).</summary>
    MultilinkShortSequenceNumberHeaderFormat = 18,
    /// <summary>RFC 1990 §5.1.3 (not supported).</summary>
    MultilinkEndpointDiscriminator = 19,
    /// <summary>Proprietary (not supported).</summary>
    Proprietary = 20,
    /// <summary>RFC 1976 (not supported).</summary>
    DceIdentifier = 21,
    /// <summary>RFC 1934 (not supported).</summary>
    MultiLinkPlusProcedure = 22,
    /// <summary>RFC 2125 §5.1 Link Discriminator for BACP (not supported).</summary>
    LinkDiscriminator = 23,
    /// <summary>LCP-Authentication-Option (not supported).</summary>
    LcpAuthenticationOption = 24,
    /// <summary>RFC 2694, Consistent Overhead Byte Stuffing (not supported).</summary>
    Cobs = 25,
    /// <summary>RFC 2686 (not supported).</summary>
    PrefixElision = 26,
    /// <summary>RFC 2686 (not supported).</summary>
    MultilinkHeaderFormat = 27,
    /// <summary>RFC 2484 (not supported).</summary>
    Internationalization = 28,
    /// <summary>RFC 2823 (not supported).</summary>
    SimpleDataLinkOnSonetSdh = 29,
}

/// <summary>Operation field of the LCP Callback option (RFC 1570 §2.3).</summary>
public enum LcpCallbackOperation : byte
{
    LocationDeterminedByUserAuthentication = 0,
    DialingString = 1,
    LocationIdentifier = 2,
    E164Number = 3,
    DistinguishedName = 4,
    /// <summary>Microsoft: negotiate callback with the Callback Control Protocol (CBCP, PPP 0xC029).</summary>
    CallbackControlProtocol = 6,
}
