namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>The ten states of the option negotiation automaton (RFC 1661 §4.2), numbered as in the §4.1 table.</summary>
public enum PppFsmState
{
    /// <summary>0 Initial: the lower layer is unavailable (Down) and no Open has occurred.</summary>
    Initial = 0,
    /// <summary>1 Starting: an Open has been initiated, the lower layer is still unavailable.</summary>
    Starting = 1,
    /// <summary>2 Closed: the link is available (Up) but no Open has occurred.</summary>
    Closed = 2,
    /// <summary>3 Stopped: the automaton terminated (This-Layer-Finished) and waits for a Down or a peer's Configure-Request.</summary>
    Stopped = 3,
    /// <summary>4 Closing: a Terminate-Request has been sent after a Close; no Open is pending.</summary>
    Closing = 4,
    /// <summary>5 Stopping: a Terminate-Request has been sent (or received) but the Open is still in force.</summary>
    Stopping = 5,
    /// <summary>6 Req-Sent: a Configure-Request has been sent, no Configure-Ack sent or received yet.</summary>
    ReqSent = 6,
    /// <summary>7 Ack-Rcvd: our Configure-Request was acknowledged, no Configure-Ack sent yet.</summary>
    AckRcvd = 7,
    /// <summary>8 Ack-Sent: we acknowledged the peer's Configure-Request, ours is not acknowledged yet.</summary>
    AckSent = 8,
    /// <summary>9 Opened: both Configure-Acks exchanged; the layer is up.</summary>
    Opened = 9,
}
