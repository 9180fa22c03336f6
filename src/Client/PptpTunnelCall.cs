using System.Net.Sockets;

namespace PptpGw.Client;

/// <summary>
/// One established call of a <see cref="PptpTunnel"/>: the ids and window its PPP and data path need (GRE Key of packets to
/// us = <see cref="CallId"/>, of packets we send = <see cref="PeerCallId"/>, RFC 2637 §4.1), and how it ends.
/// </summary>
public sealed class PptpTunnelCall
{
    private readonly TaskCompletionSource<PptpCallEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _clearRequested;

    internal PptpTunnelCall(PptpTunnel tunnel, ushort callId, ushort peerCallId, ushort peerReceiveWindow, ushort receiveWindow)
    {
        Tunnel = tunnel;
        CallId = callId;
        PeerCallId = peerCallId;
        PeerReceiveWindow = peerReceiveWindow;
        ReceiveWindow = receiveWindow;
    }

    /// <summary>The control connection the call belongs to.</summary>
    public PptpTunnel Tunnel { get; }

    /// <summary>Our Call ID: the Key of GRE packets the server sends us.</summary>
    public ushort CallId { get; }

    /// <summary>The server's Call ID: the Key of GRE packets we send.</summary>
    public ushort PeerCallId { get; }

    /// <summary>The server's Packet Recv. Window Size (§2.8).</summary>
    public ushort PeerReceiveWindow { get; }

    /// <summary>The Packet Recv. Window Size we announced.</summary>
    public ushort ReceiveWindow { get; }

    /// <summary>Completes once the call has ended (Call-Disconnect-Notify, our clear, or the tunnel's end).</summary>
    public Task<PptpCallEnd> Ended => _ended.Task;

    internal bool ClearRequested => _clearRequested;

    /// <summary>
    /// Clears the call (Call-Clear-Request, RFC 2637 §2.12) and waits at most the tunnel's step time-out for the
    /// Call-Disconnect-Notify; the call has ended when this returns. The tunnel and its other calls stay up.
    /// </summary>
    public async Task ClearAsync()
    {
        if (_ended.Task.IsCompleted)
            return;
        _clearRequested = true;
        try
        {
            using var cts = new CancellationTokenSource(Tunnel.StepTimeout);
            await Tunnel.SendAsync(ClientControlMessages.CallClearRequest(CallId), cts.Token).ConfigureAwait(false);
            await _ended.Task.WaitAsync(Tunnel.StepTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException or SocketException or ObjectDisposedException)
        {
            // no answer: the call is over for us all the same (RFC 2637 leaves the time-out to the implementation)
        }
        Tunnel.Forget(this, new PptpCallEnd(PptpCallEndKind.Cleared, null, ControlPlane.Pptp.PptpGeneralErrorCode.None, null, "cleared by us"));
    }

    internal void OnEnded(PptpCallEnd end) => _ended.TrySetResult(end);
}
