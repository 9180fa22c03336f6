using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.ControlPlane.Ppp.Session.SessionPair;

namespace PptpGw.Tests.ControlPlane.Ppp.Session;

/// <summary>
/// An AAA server's MS-MPPE-Encryption-Types and -Policy (RFC 2548 §2.4.4-§2.4.5), carried on <see cref="MppeStartKeys"/>,
/// narrow what CCP negotiates and can make MPPE mandatory.
/// </summary>
public sealed class AaaMppeRestrictionTests
{
    /// <summary>Local users, with the keys marked as an AAA server would.</summary>
    private sealed class MarkingAuthenticator(MppeSupportedBits allowed, bool required) : IPppAuthenticator
    {
        private readonly IPppAuthenticator _inner = LocalUsers();

        public async ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
        {
            PppAuthResult result = await _inner.AuthenticateAsync(request, cancellationToken);
            return result.Keys is { } keys ? result with { Keys = keys with { AllowedStrengths = allowed, EncryptionRequired = required } } : result;
        }
    }

    private static SessionPair Pair(MppePolicy server, MppePolicy? client, MppeSupportedBits allowed, bool required) =>
        new(ServerOptions(NewPool(), server, PppAuthProtocol.MsChapV2) with { Authenticator = new MarkingAuthenticator(allowed, required) },
            ClientOptions(client, null, PppAuthProtocol.MsChapV2));

    [Fact]
    public void EncryptionTypesNarrowTheStrengthBelowWhatBothPeersWouldChoose()
    {
        // Both ends allow 40 and 128 (128 would win); the server's keys are for 40-bit only.
        using SessionPair pair = Pair(Policy(AllStrengths), Policy(AllStrengths), MppeSupportedBits.Encryption40Bit, required: false);
        pair.Start();

        Assert.Equal(MppeKeyStrength.Bits40, pair.ServerEvents.Up.Mppe?.Strength);
        Assert.Equal(MppeKeyStrength.Bits40, pair.ClientEvents.Up.Mppe?.Strength);
        // Both derived the same 40-bit start keys: the server's from the authentication, the client's from the password.
        Assert.Equal(pair.ServerEvents.Up.Mppe!.SendStartKey, pair.ClientEvents.Up.Mppe!.ReceiveStartKey);
    }

    [Fact]
    public void EncryptionRequiredByTheServerTerminatesALinkThatCannotBeEncrypted()
    {
        // The group says "mppe auto" (optional) and the client does no MPPE at all; the server demands encryption.
        using SessionPair pair = Pair(Policy(AllStrengths), client: null, MppePolicy.StrengthBits, required: true);
        pair.Start();

        Assert.Empty(pair.ServerEvents.Ups);
        Assert.StartsWith("mppe required but not active", pair.ServerEvents.Down, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAnyAllowedStrengthAnOptionalLinkComesUpUnencrypted()
    {
        using SessionPair pair = Pair(Policy(MppeSupportedBits.Encryption128Bit), Policy(AllStrengths), MppeSupportedBits.Encryption40Bit, required: false);
        pair.Start();

        Assert.Null(pair.ServerEvents.Up.Mppe);
        Assert.Null(pair.ClientEvents.Up.Mppe);
    }
}
