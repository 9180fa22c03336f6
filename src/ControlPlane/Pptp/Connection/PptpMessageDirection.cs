namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>Direction of a control message, as <c>debug vpdn packet</c> prints it ("CC I", "CC O").</summary>
public enum PptpMessageDirection
{
    /// <summary>Received from the peer ("I").</summary>
    In,
    /// <summary>Sent to the peer ("O").</summary>
    Out,
}
