using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Ppp.Auth;

public sealed class LocalPppAuthenticatorTests
{
    private static async Task<PppAuthResult> Pap(LocalPppAuthenticator authenticator, string user, string password) =>
        await authenticator.AuthenticateAsync(new PapAuthRequest(user, Encoding.UTF8.GetBytes(password)), CancellationToken.None);

    [Fact]
    public async Task BothConfiguredNameFormsAreFound()
    {
        var store = new VpdnUserCredentialStore([new VpdnUser("cisco", "plain"), new VpdnUser("CORP\\cisco", "domain")]);
        var authenticator = new LocalPppAuthenticator(store);
        Assert.True((await Pap(authenticator, "CORP\\cisco", "domain")).Accepted);  // the exact entry first
        Assert.True((await Pap(authenticator, "OTHER\\cisco", "plain")).Accepted);  // then the user part
        Assert.True((await Pap(authenticator, "cisco", "plain")).Accepted);
        Assert.False((await Pap(authenticator, "CORP\\cisco", "plain")).Accepted);

        var stripping = new LocalPppAuthenticator(store, stripDomain: true);
        Assert.True((await Pap(stripping, "CORP\\cisco", "plain")).Accepted);
        Assert.False((await Pap(stripping, "CORP\\cisco", "domain")).Accepted);
    }

    [Fact]
    public async Task UnknownUserIsRejected()
    {
        var authenticator = new LocalPppAuthenticator(new VpdnUserCredentialStore([new VpdnUser("cisco", "cisco")]));
        PppAuthResult result = await Pap(authenticator, "nobody", "cisco");
        Assert.False(result.Accepted);
        Assert.Equal(MsChapErrorCode.AuthenticationFailure, result.ErrorCode);
        Assert.Contains("unknown user", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MsChapV2MatchesRfc2759Vectors()
    {
        // RFC 2759 §9.2: User "User", Password "clientPass".
        byte[] authenticatorChallenge = Convert.FromHexString("5B5D7C7D7B3F2F3E3C2C602132262628");
        byte[] peerChallenge = Convert.FromHexString("21402324255E262A28295F2B3A337C7E");
        byte[] ntResponse = Convert.FromHexString("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
        var authenticator = new LocalPppAuthenticator(new VpdnUserCredentialStore([new VpdnUser("User", "clientPass")]));
        PppAuthResult result = await authenticator.AuthenticateAsync(
            new MsChapV2AuthRequest("User", authenticatorChallenge, peerChallenge, ntResponse), CancellationToken.None);
        Assert.True(result.Accepted);
        Assert.Equal("S=407A5589115FD0D6209F510FE9C04566932CDA56", MsChapV2.FormatAuthenticatorResponse(result.AuthenticatorResponse));
        // RFC 3079 §3.5.3 derives its sample as the server: the 128-bit send start key is 8B7CDC149B993A1BA118CB153F56DCCB.
        Assert.Equal(Convert.FromHexString("8B7CDC149B993A1BA118CB153F56DCCB"), result.Keys!.SendKey);
        Assert.NotEqual(result.Keys.SendKey, result.Keys.ReceiveKey);
    }
}
