using PptpGw.ControlPlane.Ppp;

namespace PptpGw.Client;

/// <summary>The words of <c>--auth</c> and <c>--mppe</c>, shared by <c>pptpgw dial</c> and <c>pptpgw load</c>.</summary>
public static class ClientOptionWords
{
    /// <summary>pap, chap, mschap (mschapv1), mschapv2; null for anything else.</summary>
    public static PppAuthProtocol? Authentication(string? word) => word?.ToLowerInvariant() switch
    {
        "pap" => PppAuthProtocol.Pap,
        "chap" => PppAuthProtocol.Chap,
        "mschap" or "mschapv1" => PppAuthProtocol.MsChapV1,
        "mschapv2" => PppAuthProtocol.MsChapV2,
        _ => null,
    };

    /// <summary>none, 40, 56, 128, auto (any); null for anything else.</summary>
    public static ClientMppeMode? Mppe(string? word) => word?.ToLowerInvariant() switch
    {
        "none" => ClientMppeMode.None,
        "40" => ClientMppeMode.Bits40,
        "56" => ClientMppeMode.Bits56,
        "128" => ClientMppeMode.Bits128,
        "auto" or "any" => ClientMppeMode.Any,
        _ => null,
    };
}
