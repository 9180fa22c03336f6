using PptpGw.ControlPlane.Aaa.Accounting;

namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// What the operator views and per-session actions need beyond <see cref="IAdminHandler"/> (accel-cmd's <c>show
/// stat</c>, <c>show sessions</c> and <c>terminate</c>, in PIX words): the group, the dataplane, the AAA servers, and
/// clearing sessions by user, address or id. Thread-safe; clears are asynchronous end to end.
/// </summary>
public interface IOperatorViews
{
    /// <summary>The vpdn groups and their settings, with their live sessions and pool occupancy.</summary>
    IReadOnlyList<VpdnGroupView> GetGroups();

    /// <summary>The dataplane's workers (packets, drops by reason); null when the dataplane has no workers to show.</summary>
    DataplaneView? GetDataplane();

    /// <summary>Every authentication backend that has answered (or failed) a request.</summary>
    IReadOnlyList<AaaServerView> GetAaaServers();

    /// <summary>The accounting record queue (depth, oldest record, spool, delivered/retried/dropped); null without accounting.</summary>
    AccountingQueueSnapshot? GetAccounting();

    /// <summary>Ends the sessions <paramref name="selector"/> picks, soft (LCP Terminate-Request first) or hard, and says which.</summary>
    ValueTask<SessionClearResult> ClearSessionsAsync(SessionSelector selector, bool soft, CancellationToken cancellationToken);
}
