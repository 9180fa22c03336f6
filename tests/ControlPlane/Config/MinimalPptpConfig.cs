namespace PptpGw.Tests.ControlPlane.Config;

/// <summary>
/// The smallest configuration the parser accepts for a PPTP server: addresses, a pool, one vpdn group. Seven lines and a
/// blank one, so a line a test appends is line 8 (the tests that check a diagnostic's line number rely on it).
/// </summary>
internal static class MinimalPptpConfig
{
    public const string Text = """
        ip address outside 198.18.10.1 255.255.255.0
        ip address inside 198.18.20.1 255.255.255.0
        ip local pool p 198.19.10.10-198.19.10.50
        vpdn group 1 accept dialin pptp
        vpdn group 1 ppp authentication mschapv2
        vpdn group 1 client configuration address local p
        vpdn enable outside

        """;
}
