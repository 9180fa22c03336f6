using PptpGw.ControlPlane.Pools;
using PptpGw.Dataplane.Workers;
using PptpGw.Gateway.Orchestration;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Gateway.Metrics;

/// <summary>
/// What <see cref="GatewayHost"/> fills in once the parts exist (the metrics are created before the orchestrator, whose
/// authenticator they wrap); the observable instruments read through it, so a reload that replaces the pool is seen.
/// </summary>
internal sealed class MetricSourceSlots
{
    public CallOrchestrator? Orchestrator { get; set; }
    public ControlPlane.Pptp.Connection.PptpListener? Listener { get; set; }
    public IpLocalPool? Pool { get; set; }
    public DataplaneHost? Dataplane { get; set; }
    public Func<ControlPlane.Admin.GatewayRunState>? State { get; set; }
    public Aaa.GatewayAaa? Aaa { get; set; }

    public GatewayMetricSources ToSources() => new()
    {
        Sessions = () => Orchestrator?.CountSessionStates() ?? default,
        Tunnels = () => Listener?.ConnectionCount ?? 0,
        Pools = () => Pool is { } pool ? [pool] : [],
        Workers = () => Dataplane?.Workers ?? [],
        State = () => State?.Invoke() ?? ControlPlane.Admin.GatewayRunState.Starting,
        Accounting = () => Aaa?.AccountingSnapshot(),
    };
}
