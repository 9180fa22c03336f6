using System.Security.Cryptography;
using System.Text;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>The credentials a client authenticates with. <see cref="ToString"/> hides the password.</summary>
/// <param name="UserName">Peer-ID / CHAP Name, possibly "DOMAIN\user".</param>
/// <param name="Password">The clear-text password.</param>
/// <param name="RetryPassword">
/// MS-CHAP with R=1 (RFC 2433 §6, RFC 2759 §6): the password for retry number n (1, 2, ...), or null to give up.
/// Null: never retry (pppd's behaviour).
/// </param>
public sealed record PppClientCredentials(string UserName, string Password, Func<int, string?>? RetryPassword = null)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"UserName = {UserName}, Password = ***");
        return true;
    }
}
