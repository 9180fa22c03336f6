using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>MPPE as the dataplane needs it: strength, mode and the start keys of each direction (RFC 3079).</summary>
public sealed record MppeSessionKeys(MppeKeyStrength Strength, bool Stateless, byte[] SendStartKey, byte[] ReceiveStartKey)
{
    /// <summary>Keys are secret: never printed.</summary>
    public override string ToString() => $"MppeSessionKeys {{ {(int)Strength}-bit, {(Stateless ? "stateless" : "stateful")} }}";
}
