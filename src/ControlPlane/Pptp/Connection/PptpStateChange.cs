namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>One state change. <see cref="CallId"/> is null for the control connection itself.</summary>
/// <param name="TunnelId">The tunnel.</param>
/// <param name="CallId">Our Call ID when a call changed state.</param>
/// <param name="Trigger">What caused it, as the PIX prints it ("SCCRQ-ok", "vacc-ok").</param>
/// <param name="From">Old state's short name.</param>
/// <param name="To">New state's short name.</param>
public readonly record struct PptpStateChange(uint TunnelId, ushort? CallId, string Trigger, string From, string To);
