using System.Numerics;

namespace PptpGw.ControlPlane.Pools;

/// <summary>Outcome of <see cref="IpLocalPool.TryAllocateSpecific"/>.</summary>
public enum PoolAllocateResult
{
    /// <summary>The address is now held by the caller.</summary>
    Allocated = 0,
    /// <summary>Another session already holds the address.</summary>
    InUse,
    /// <summary>The address lies outside every range of the pool and outside addresses were not allowed.</summary>
    OutsidePool,
}
