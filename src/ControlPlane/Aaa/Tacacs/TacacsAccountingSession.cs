namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>One PPP session as TACACS+ accounting knows it.</summary>
/// <param name="TaskId">task_id (RFC 8907 §8.3): the same in the START and STOP records of a session.</param>
/// <param name="ClientAddress">The address the client got (host order), sent as addr=; null when none yet.</param>
public sealed record TacacsAccountingSession(
    string TaskId,
    string UserName,
    string Port,
    string RemoteAddress,
    uint? ClientAddress,
    TacacsAuthenType AuthenType,
    DateTimeOffset StartTime);
