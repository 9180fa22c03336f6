namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>Clear-text passwords by user name (the <c>vpdn username</c> lines).</summary>
public interface IPppCredentialStore
{
    /// <summary>The password of the user named exactly <paramref name="userName"/> (case-sensitive, as on the PIX).</summary>
    bool TryGetPassword(string userName, out string password);
}
