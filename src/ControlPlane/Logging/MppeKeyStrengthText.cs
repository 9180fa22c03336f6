using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Text forms of the negotiated MPPE key strength (RFC 3078 §2.1 S/M/L bits) as 603104 and show vpdn print it. A
/// session without MPPE has no strength: <c>null</c>, which the PIX prints as "None".
/// </summary>
public static class MppeKeyStrengthText
{
    /// <summary>"None", "40 bits", "56 bits" or "128 bits", as in the reference's 603104 lines.</summary>
    public static string ToPixString(this MppeKeyStrength? strength) => strength switch
    {
        MppeKeyStrength.Bits40 => "40 bits",
        MppeKeyStrength.Bits56 => "56 bits",
        MppeKeyStrength.Bits128 => "128 bits",
        _ => "None",
    };
}
