using System.Security.Cryptography;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>How an authentication phase ended (or one attempt of it failed).</summary>
/// <param name="Succeeded">True: the peer is authenticated (server), or we were authenticated and, for MS-CHAPv2, the server proved itself (client).</param>
/// <param name="IsFinal">False for a failed attempt after which the peer may retry (MS-CHAP R=1, PAP).</param>
/// <param name="Protocol">The protocol used.</param>
/// <param name="UserName">The name the peer gave (server) or we gave (client); empty when none arrived.</param>
/// <param name="Reason">Text for logs.</param>
/// <param name="Result">Server: the backend's verdict (addresses, timeouts, server name).</param>
/// <param name="Keys">MPPE start keys in our role, when the protocol yields them.</param>
/// <param name="Failure">Why it failed, as a value; <see cref="PppAuthFailure.None"/> on success.</param>
/// <param name="PeerErrorCode">Client role: the MS-CHAP error code ("E=") of the server's Failure packet, if any.</param>
public sealed record PppAuthOutcome(bool Succeeded, bool IsFinal, PppAuthProtocol Protocol, string UserName, string Reason,
    PppAuthResult? Result, MppeStartKeys? Keys, PppAuthFailure Failure = PppAuthFailure.None, Chap.MsChapErrorCode? PeerErrorCode = null);
