using System.Numerics;
using PptpGw.ControlPlane.Config;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Ccp;

/// <summary>How a session negotiates MPPE in CCP (RFC 3078 §2).</summary>
/// <param name="AllowedStrengths">The L (40), M (56) and S (128) bits we accept; other bits are ignored.</param>
/// <param name="Required">A link without MPPE is terminated ("mppe required but not active").</param>
/// <param name="PreferStateless">
/// Ask for the H bit (stateless, RFC 3078 §2), and suggest it once to a peer that asks for stateful mode; when false,
/// ask for stateful mode and suggest it once to a peer that asks for stateless. Either way a peer that insists gets its mode.
/// </param>
public sealed record MppePolicy(MppeSupportedBits AllowedStrengths, bool Required, bool PreferStateless)
{
    /// <summary>The three key-strength bits.</summary>
    public const MppeSupportedBits StrengthBits =
        MppeSupportedBits.Encryption40Bit | MppeSupportedBits.Encryption56Bit | MppeSupportedBits.Encryption128Bit;

    /// <summary>
    /// From <c>vpdn group N ppp encryption mppe 40|56|128|auto [required]</c>: <c>auto</c> allows every strength (the PIX
    /// allowed 40 and 128; 56 is our extension).
    /// </summary>
    public static MppePolicy FromSettings(MppeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        MppeSupportedBits bits = settings.Strength switch
        {
            MppeStrengthSetting.Bits40 => MppeSupportedBits.Encryption40Bit,
            MppeStrengthSetting.Bits56 => MppeSupportedBits.Encryption56Bit,
            MppeStrengthSetting.Bits128 => MppeSupportedBits.Encryption128Bit,
            _ => StrengthBits,
        };
        return new MppePolicy(bits, settings.Required, settings.StatePreference == MppeStatePreference.Stateless);
    }

    /// <summary>The strongest single strength bit in <paramref name="bits"/> (S &gt; M &gt; L), or None.</summary>
    public static MppeSupportedBits Strongest(MppeSupportedBits bits) =>
        (bits & MppeSupportedBits.Encryption128Bit) != 0 ? MppeSupportedBits.Encryption128Bit
        : (bits & MppeSupportedBits.Encryption56Bit) != 0 ? MppeSupportedBits.Encryption56Bit
        : (bits & MppeSupportedBits.Encryption40Bit) != 0 ? MppeSupportedBits.Encryption40Bit
        : MppeSupportedBits.None;

    /// <summary>The dataplane strength of a single strength bit.</summary>
    public static MppeKeyStrength ToStrength(MppeSupportedBits bit) => bit switch
    {
        MppeSupportedBits.Encryption128Bit => MppeKeyStrength.Bits128,
        MppeSupportedBits.Encryption56Bit => MppeKeyStrength.Bits56,
        MppeSupportedBits.Encryption40Bit => MppeKeyStrength.Bits40,
        _ => throw new ArgumentOutOfRangeException(nameof(bit), bit, "Not a single MPPE strength bit."),
    };
}
