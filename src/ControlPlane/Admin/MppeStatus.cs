using PptpGw.ControlPlane.Logging;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Admin;

/// <summary>MPPE as negotiated for a session: key strength and mode (RFC 3078 §2.1; H bit = stateless, RFC 3078 §3.1).</summary>
/// <param name="KeyStrength">Key length, or null when the session is not encrypted (printed "None").</param>
/// <param name="Stateless">Stateless ("historyless") mode: a new key for every packet.</param>
public readonly record struct MppeStatus(MppeKeyStrength? KeyStrength, bool Stateless)
{
    /// <summary>"None", "40 bits stateless", "128 bits stateful".</summary>
    public override string ToString() => KeyStrength is null
        ? KeyStrength.ToPixString()
        : KeyStrength.ToPixString() + (Stateless ? " stateless" : " stateful");
}
