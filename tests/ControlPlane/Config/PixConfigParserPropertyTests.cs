using CsCheck;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

public class PixConfigParserPropertyTests
{
    // Words the parser reacts to, so random lines reach deep into every command handler, mixed with junk.
    private static readonly string[] Vocabulary =
    [
        "ip", "address", "local", "pool", "mask", "nameif", "security0", "security100", "security101", "aaa-server", "protocol",
        "radius", "tacacs+", "local", "(inside)", "(outside)", "(", "()", "host", "timeout", "port", "acct-port", "key",
        "radius-authport", "radius-acctport", "require-message-authenticator", "radius-dynamic-authorization", "client",
        "vpdn", "group", "1", "2", "accept", "dialin", "pptp", "l2tp", "ppp", "authentication", "pap", "chap", "mschap",
        "mschapv2", "encryption", "mppe", "40", "56", "128", "auto", "required", "stateful", "stateless", "configuration",
        "dns", "wins", "aaa", "accounting", "echo", "interim", "strip-domain", "username", "password", "enable", "sysopt",
        "connection", "permit-pptp", "gateway", "max-sessions", "max-control-connections", "admin-socket", "dataplane",
        "connlimit", "rate", "burst", "10/sec", "3/min", "sccrq-timeout",
        "kernel", "memory", "logging", "syslog", "on", "off", "outside", "inside", "pix(config)#", "!---", ":", "!",
        "10.1.1.1", "255.255.255.0", "192.168.1.1-192.168.1.50", "192.168.1.50-192.168.1.1", "1.2.3.4-", "-", "0.0.0.0-255.255.255.255",
        "999.1.1.1", "0", "65535", "65536", "99999999999", "-1", "DOMAIN\\user", "/run/x", "R", "T", "p",
    ];

    private static readonly Gen<string> Word = Gen.Frequency(
        (6, Gen.OneOfConst(Vocabulary)),
        (1, Gen.String),
        (1, Gen.String[Gen.Char["0123456789.-/()#!:\\ \t\r"], 0, 12]));

    private static readonly Gen<string> Line = Word.Array[0, 9].Select(words => string.Join(' ', words));

    private static readonly Gen<string> Text = Gen.Frequency(
        (4, Line.Array[0, 40].Select(lines => string.Join('\n', lines))),
        (1, Gen.String));

    [Fact]
    public void NeverThrowsAndConfigIsNullExactlyWhenThereIsAnError()
    {
        Text.Sample(text =>
        {
            var result = PixConfigParser.Parse(text, "random.cfg");
            bool hasError = result.Diagnostics.Any(d => d.Severity == ConfigSeverity.Error);
            Assert.Equal(hasError, result.Config is null);
            int lines = 0;
            foreach (var _ in text.AsSpan().EnumerateLines())
                lines++;
            Assert.All(result.Diagnostics, d => Assert.InRange(d.Line, 0, lines));
            Assert.All(result.Diagnostics, d => Assert.False(string.IsNullOrEmpty(d.Message)));
        }, iter: 3000);
    }

    [Fact]
    public void RandomLinesAppendedToAGoodConfigNeverThrow()
    {
        Line.Array[1, 5].Sample(extra =>
        {
            string text = GuideConfigurations.LocalAuthenticationNoEncryption + "\n" + string.Join('\n', extra);
            var result = PixConfigParser.Parse(text, "guide+random.cfg");
            Assert.Equal(result.Diagnostics.Any(d => d.Severity == ConfigSeverity.Error), result.Config is null);
        }, iter: 1000);
    }
}
