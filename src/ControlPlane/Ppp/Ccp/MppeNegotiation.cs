using System.Numerics;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Ccp;

/// <summary>What CCP agreed when it opened with MPPE in both directions.</summary>
public readonly record struct MppeNegotiation(MppeKeyStrength Strength, bool Stateless);
