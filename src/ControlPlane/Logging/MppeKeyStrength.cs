namespace PptpGw.ControlPlane.Logging;

/// <summary>The MPPE session key length negotiated in CCP (RFC 3078 §2.1 S/M/L bits), as 603104 and show vpdn print it.</summary>
public enum MppeKeyStrength
{
    /// <summary>No MPPE: the PIX prints "None".</summary>
    None = 0,
    /// <summary>40-bit keys (L bit).</summary>
    Bits40 = 40,
    /// <summary>56-bit keys (M bit, RFC 3078 §2.1).</summary>
    Bits56 = 56,
    /// <summary>128-bit keys (S bit).</summary>
    Bits128 = 128,
}

/// <summary>Text forms of <see cref="MppeKeyStrength"/>.</summary>
public static class MppeKeyStrengthText
{
    /// <summary>"None", "40 bits", "56 bits" or "128 bits", as in the reference's 603104 lines.</summary>
    public static string ToPixString(this MppeKeyStrength strength) => strength switch
    {
        MppeKeyStrength.None => "None",
        MppeKeyStrength.Bits40 => "40 bits",
        MppeKeyStrength.Bits56 => "56 bits",
        MppeKeyStrength.Bits128 => "128 bits",
        _ => "None",
    };
}
