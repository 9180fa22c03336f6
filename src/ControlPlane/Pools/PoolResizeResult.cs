using System.Collections.Immutable;

namespace PptpGw.ControlPlane.Pools;

/// <summary>Outcome of <see cref="IpLocalPool.TryResize"/>.</summary>
/// <param name="Resized">True: the pool now has the new ranges.</param>
/// <param name="CapacityBefore">Addresses before.</param>
/// <param name="CapacityAfter">Addresses now (the old number when refused).</param>
/// <param name="HeldAddresses">When refused: the held addresses the new ranges would drop (host order).</param>
public sealed record PoolResizeResult(bool Resized, int CapacityBefore, int CapacityAfter, ImmutableArray<uint> HeldAddresses);
