namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>Which of the session's automata a layer callback comes from.</summary>
public enum PppLayerKind
{
    Lcp,
    Ipcp,
    Ccp,
}
