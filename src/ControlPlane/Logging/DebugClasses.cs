namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// The PIX 6.3 debug classes for PPTP ("debug vpdn ..." and "debug ppp ..."), toggled at run time. A set of flags so
/// one volatile read and an AND answer "is this on?" on every call site.
/// </summary>
[Flags]
public enum DebugClasses : uint
{
    /// <summary>Nothing is being debugged.</summary>
    None = 0,
    /// <summary>debug vpdn events: tunnel set-up and tear-down events (SCCRQ-ok, state changes, CC I/O message names).</summary>
    VpdnEvents = 1 << 0,
    /// <summary>debug vpdn packet: control-connection and GRE packets, with the first bytes in hex.</summary>
    VpdnPacket = 1 << 1,
    /// <summary>debug vpdn error: errors that stop a tunnel from coming up or close it ("mppe required but not active").</summary>
    VpdnError = 1 << 2,
    /// <summary>debug ppp negotiation: LCP/IPCP/CCP automaton events (our extension; the PIX folded these into io).</summary>
    PppNegotiation = 1 << 3,
    /// <summary>debug ppp io: PPP frames received and transmitted on the virtual interfaces ("PPP rcvd, ifc = 0, ...").</summary>
    PppIo = 1 << 4,
    /// <summary>debug ppp error: PPP protocol errors and error statistics.</summary>
    PppError = 1 << 5,
    /// <summary>debug ppp uauth: AAA user authentication of the PPP virtual interfaces ("uauth_mschap_send_req: ...").</summary>
    PppUauth = 1 << 6,
    /// <summary>Every class.</summary>
    All = VpdnEvents | VpdnPacket | VpdnError | PppNegotiation | PppIo | PppError | PppUauth,
}
