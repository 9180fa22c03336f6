using System.Numerics;

namespace PptpGw.ControlPlane.Pools;

/// <summary>Outcome of <see cref="IpLocalPool.Release"/>.</summary>
public enum PoolReleaseResult
{
    /// <summary>The address was held and is free again.</summary>
    Released = 0,
    /// <summary>The address was not held (a double release, or never allocated); nothing changed.</summary>
    NotAllocated,
}
