using System.Collections.Immutable;

namespace PptpGw.ControlPlane.Config;

/// <summary>
/// What a reload will do (<see cref="ConfigReloadPlanner.Plan"/>): the changes found and the configuration to run from
/// now on, which is the new file except for what needs a restart (there the running values stay, so the gateway never
/// claims to run what it does not).
/// </summary>
/// <param name="Effective">The configuration to run: the new one with the restart-only parts of the running one.</param>
/// <param name="Changes">Every difference, with the disposition the plan expects (the host may still refuse a live one).</param>
public sealed record ConfigReloadPlan(GatewayConfig Effective, ImmutableArray<ConfigChange> Changes);
