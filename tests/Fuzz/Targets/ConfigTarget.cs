using System.Text;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Fuzz;

/// <summary>
/// A configuration file as `pptpgw check` and `pptpgw run` read it: the bytes decoded as File.ReadAllText does (UTF-8,
/// BOM honoured, invalid sequences replaced), then PixConfigParser (tokenizer, PIX prompts and comments, every vpdn,
/// ip, aaa-server and gateway line, validation) and the diagnostics' 'file:line: severity: message' text.
/// </summary>
public static class ConfigTarget
{
    public static FuzzTarget Target { get; } = new("pix-config",
        "PixConfigParser.Parse (tokenizer, ConfigBuilder for every line kind, validation), ConfigDiagnostic text",
        Run, Seeds);

    public static void Run(ReadOnlySpan<byte> input)
    {
        string text;
        using (var reader = new StreamReader(new MemoryStream(input.ToArray()), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
            text = reader.ReadToEnd();
        ConfigParseResult result = PixConfigParser.Parse(text, "fuzz.cfg");
        foreach (ConfigDiagnostic diagnostic in result.Diagnostics)
            _ = diagnostic.ToString();
        _ = result.Config?.ToString();
    }

    private static IEnumerable<byte[]> Seeds()
    {
        // The reference guide's vpdn part (local users; then RADIUS/TACACS+ and MPPE), with its PIX prompt and comments.
        yield return Encoding.UTF8.GetBytes("""
PIX Version 6.3(3)
nameif ethernet0 outside security0
nameif ethernet1 inside security100
hostname PIX
ip address outside 172.18.124.152 255.255.255.0
ip address inside 10.1.1.1 255.255.255.0
ip local pool pptp-pool 192.168.1.1-192.168.1.50
aaa-server TACACS+ protocol tacacs+
aaa-server RADIUS protocol radius
sysopt connection permit-pptp
vpdn group 1 accept dialin pptp
vpdn group 1 ppp authentication pap
vpdn group 1 ppp authentication chap
vpdn group 1 ppp authentication mschap
vpdn group 1 client configuration address local pptp-pool
vpdn group 1 client authentication local
vpdn username cisco password cisco
vpdn enable outside
: end
""");
        yield return Encoding.UTF8.GetBytes("""
pix(config)# aaa-server AuthInbound protocol radius
pix(config)# aaa-server AuthInbound (outside) host 172.18.124.99 cisco timeout 5
aaa-server TAC protocol tacacs+
aaa-server TAC (inside) host 10.1.1.5 tackey timeout 3
!--- MPPE
vpdn group 1 ppp authentication mschap
vpdn group 1 ppp encryption mppe 128 required
vpdn group 1 ppp encryption mppe auto
vpdn group 1 client configuration dns 10.1.1.53 10.1.1.54
vpdn group 1 client configuration wins 10.1.1.55
vpdn group 1 client authentication aaa AuthInbound
vpdn group 1 client accounting AuthInbound
vpdn group 1 pptp echo 60
vpdn enable outside
""");
        // The interop suite's gateway lines (docs/CONFIG.md extensions).
        yield return Encoding.UTF8.GetBytes("""
ip address outside 198.18.0.1 255.255.255.0
ip address inside 198.19.0.1 255.255.255.0
ip local pool interop-pool 198.19.0.10-198.19.0.60
vpdn group 1 ppp authentication mschapv2
vpdn group 1 ppp encryption mppe stateful
aaa-server RAD (inside) host 127.0.0.1 testing123 timeout 2 port 18127 acct-port 18137
gateway dataplane kernel
gateway admin-socket /run/pptpgw/admin.sock
logging trap debugging
""");
        yield return [0xEF, 0xBB, 0xBF, .. "vpdn enable outside\r\n\xff\xfe"u8];
    }
}
