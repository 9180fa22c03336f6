namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>Receives every PPP frame a session sends (framed: FF 03 unless ACFC, Protocol per PFC). Valid only during the call.</summary>
public delegate void PppFrameSender(ReadOnlySpan<byte> frame);
