using System.Text;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Chap;

public class ChapNameTests
{
    [Theory]
    [InlineData(@"DOMAIN\cisco", true, "DOMAIN", "cisco")]
    [InlineData("BIGCO\\johndoe", true, "BIGCO", "johndoe")] // RFC 2759 §4's example
    [InlineData("cisco", false, "", "cisco")]
    [InlineData("", false, "", "")]
    [InlineData(@"\user", true, "", "user")]
    [InlineData(@"DOMAIN\", true, "DOMAIN", "")]
    [InlineData(@"A\B\user", true, @"A\B", "user")] // last backslash, as pppd (see ChapName remarks)
    public void SplitsDomainAndUser(string name, bool hasDomain, string domain, string user)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(name);
        Assert.Equal(hasDomain, ChapName.HasDomain(bytes));
        Assert.Equal(domain, Encoding.ASCII.GetString(ChapName.DomainPart(bytes)));
        Assert.Equal(user, Encoding.ASCII.GetString(ChapName.UserPart(bytes)));
        Assert.Equal(user, ChapName.UserPart(name.AsSpan()).ToString());
    }
}
