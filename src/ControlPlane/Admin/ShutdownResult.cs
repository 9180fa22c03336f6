namespace PptpGw.ControlPlane.Admin;

/// <summary>What a <c>shutdown</c> command did.</summary>
/// <param name="State">The gateway's state after the command (Draining or Stopping; Running after a <c>shutdown cancel</c>).</param>
/// <param name="Sessions">Sessions still up when the command was taken.</param>
/// <param name="Deadline">With a soft shutdown and a deadline: when it turns hard; null otherwise.</param>
/// <param name="AlreadyStopping">True when a shutdown of the same or a harder kind was already under way (nothing new happened);
/// for <c>shutdown cancel</c>, true when there was no soft shutdown to cancel.</param>
public sealed record ShutdownResult(GatewayRunState State, int Sessions, DateTimeOffset? Deadline, bool AlreadyStopping);
