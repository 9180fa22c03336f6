namespace PptpGw.ControlPlane.Config;

/// <summary>One difference a reload found between the running and the new configuration, and what became of it.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Disposition">Applied, needs a restart, or refused.</param>
/// <param name="Detail">For the operator: what exactly ("added carol; removed bob", "kernel -> memory").</param>
public sealed record ConfigChange(ConfigChangeKind Kind, ReloadDisposition Disposition, string Detail);
