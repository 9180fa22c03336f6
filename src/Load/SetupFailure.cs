using System.Globalization;
using System.Net.Sockets;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Load;

/// <summary>
/// Why one session did not come up (or went down while held), as a value: the report counts failures by
/// <see cref="Key"/>, which is derived from the typed fields, never from message text.
/// </summary>
/// <param name="Kind">The family.</param>
/// <param name="Phase">Where the set-up was.</param>
/// <param name="Code">The family's code (a PPTP Result Code, a <see cref="PppDownCause"/>, a <see cref="PppAuthFailure"/>, ...).</param>
public readonly record struct SetupFailure(SetupFailureKind Kind, SetupPhase Phase, int Code)
{
    /// <summary>A stable, machine-readable name: <c>pptp.sccrp.general-error</c>, <c>timeout.lcp</c>, <c>auth.server-refused</c>, ...</summary>
    public string Key => Kind switch
    {
        SetupFailureKind.TcpConnect => "tcp.connect." + Kebab(((SocketError)Code).ToString()),
        SetupFailureKind.ControlConnectionLost => "pptp.connection-lost." + Kebab(Phase.ToString()),
        SetupFailureKind.ControlRefused => "pptp.sccrp." + Kebab(((StartControlConnectionResultCode)Code).ToString()),
        SetupFailureKind.CallRefused => "pptp.ocrp." + Kebab(((OutgoingCallResultCode)Code).ToString()),
        SetupFailureKind.CallDisconnected => "pptp.cdn." + Kebab(((CallDisconnectResultCode)Code).ToString()) + "." + Kebab(Phase.ToString()),
        SetupFailureKind.ControlStopped => "pptp.stopccrq." + Kebab(((StopControlConnectionReason)Code).ToString()),
        SetupFailureKind.ControlProtocol => "pptp.protocol-error." + Kebab(Phase.ToString()),
        SetupFailureKind.Timeout => "timeout." + Kebab(Phase.ToString()),
        SetupFailureKind.Authentication => "auth." + Kebab(((PppAuthFailure)Code).ToString()),
        SetupFailureKind.Ppp => "ppp." + Kebab(((PppDownCause)Code).ToString()) + "." + Kebab(Phase.ToString()),
        _ => "local." + Code.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The session phase for a PPP phase (RFC 1661 §3).</summary>
    public static SetupPhase FromPpp(PppPhase phase) => phase switch
    {
        PppPhase.Authenticate => SetupPhase.Authentication,
        PppPhase.Network => SetupPhase.Network,
        _ => SetupPhase.Lcp,
    };

    /// <summary>The failure for a PPP link that went down before (or after) it was up.</summary>
    public static SetupFailure FromLinkDown(PppLinkDown down, PppAuthOutcome? authFailure, bool wasUp)
    {
        ArgumentNullException.ThrowIfNull(down);
        SetupPhase phase = wasUp ? SetupPhase.Up : FromPpp(down.Phase);
        if (authFailure is { } auth && !wasUp)
            return new SetupFailure(SetupFailureKind.Authentication, SetupPhase.Authentication, (int)auth.Failure);
        if (down.Cause == PppDownCause.AuthenticationFailed && down.Authentication is { } outcome)
            return new SetupFailure(SetupFailureKind.Authentication, SetupPhase.Authentication, (int)outcome.Failure);
        if (down.Cause == PppDownCause.NegotiationTimeout)
            return new SetupFailure(SetupFailureKind.Timeout, phase, (int)down.Cause);
        return new SetupFailure(SetupFailureKind.Ppp, phase, (int)down.Cause);
    }

    /// <summary>"NoCarrier" → "no-carrier".</summary>
    internal static string Kebab(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                    sb.Append('-');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
