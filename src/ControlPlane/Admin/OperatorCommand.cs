using System.Text.RegularExpressions;

namespace PptpGw.ControlPlane.Admin;

/// <summary>A parsed operator command (<see cref="OperatorCommandParser"/>).</summary>
public sealed record OperatorCommand(OperatorCommandKind Kind)
{
    /// <summary>Answer in JSON ("--json" anywhere on the line).</summary>
    public bool Json { get; init; }

    /// <summary>The brief view's columns, in order.</summary>
    public IReadOnlyList<SessionBriefColumn> Columns { get; init; } = SessionBriefColumns.Default;

    /// <summary>The brief view's filters: every one must match its column's text.</summary>
    public IReadOnlyList<(SessionBriefColumn Column, Regex Pattern)> Matches { get; init; } = [];

    /// <summary>The brief view's sort column (null: by id), and whether descending.</summary>
    public SessionBriefColumn? Order { get; init; }

    /// <summary>Sort descending.</summary>
    public bool Descending { get; init; }

    /// <summary>"show vpdn username NAME", "show vpdn group NAME".</summary>
    public string? Name { get; init; }

    /// <summary>"show vpdn pppinterface id N".</summary>
    public int? Id { get; init; }

    /// <summary>What a clear ends.</summary>
    public SessionSelector? Selector { get; init; }

    /// <summary>Soft clear (LCP Terminate-Request first; the default), or hard.</summary>
    public bool Soft { get; init; } = true;

    /// <summary>For <see cref="OperatorCommandKind.Shutdown"/>: soft or hard.</summary>
    public ShutdownMode ShutdownMode { get; init; } = ShutdownMode.Hard;

    /// <summary>For a soft <see cref="OperatorCommandKind.Shutdown"/>: seconds until it turns hard; null: no deadline.</summary>
    public int? DeadlineSeconds { get; init; }

    /// <summary>For <see cref="OperatorCommandKind.PixShowJson"/>: the PIX command.</summary>
    public AdminCommand Pix { get; init; }
}
