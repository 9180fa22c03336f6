using System.Collections.Frozen;
using System.Security.Cryptography;
using PptpGw.ControlPlane.Config;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>The <c>vpdn username NAME password PASSWORD</c> entries as an <see cref="IPppCredentialStore"/>.</summary>
public sealed class VpdnUserCredentialStore : IPppCredentialStore
{
    private readonly FrozenDictionary<string, string> _passwords;

    public VpdnUserCredentialStore(IEnumerable<VpdnUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (VpdnUser user in users)
            map[user.Name] = user.Password; // a later line for the same name wins, as a re-entered PIX line does
        _passwords = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public bool TryGetPassword(string userName, out string password)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return _passwords.TryGetValue(userName, out password!);
    }
}
