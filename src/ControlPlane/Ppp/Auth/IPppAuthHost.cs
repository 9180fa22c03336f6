using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>What the authentication engines need from their session. Called under the session lock.</summary>
public interface IPppAuthHost
{
    /// <summary>Sends a PAP (0xC023) or CHAP (0xC223) packet (Code..Data, no framing).</summary>
    void SendAuthPacket(ushort protocol, ReadOnlySpan<byte> packet);

    /// <summary>A user name arrived and is being checked (PIX 603102).</summary>
    void AuthenticationStarted(string userName);

    /// <summary>An attempt failed or the phase ended (PIX 603103).</summary>
    void AuthenticationFinished(PppAuthOutcome outcome);

    void Log(string message);
}
