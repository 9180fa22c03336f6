using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Control;

namespace PptpGw.ControlPlane.Calls;

/// <summary>
/// What the call lifecycle tells accounting about one call: the link came up, the call ended. The accounting side
/// (RADIUS, TACACS+) implements it and maps <see cref="CallEndReason"/> with <see cref="CallEndReasonMapping"/>.
/// </summary>
public interface ICallAccounting
{
    /// <summary>The PPP link is up (Accounting Start); <paramref name="counters"/> reads the dataplane's counters later.</summary>
    void LinkUp(PppLinkResult result, Func<SessionCounters?> counters);

    /// <summary>The call ended (Accounting Stop, once): the final counters are read now.</summary>
    void End(CallEndReason reason);
}
