using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// Who signs an approval request: for each required role a different person from the approver directory who holds it,
/// never the requester, and more people holding a required role until <c>distinctApprovers</c> is reached
/// (docs/promotion-policy.md, Approvals). People are tried in name order, so a run picks the same people each time.
/// </summary>
public static class TicketSigners
{
    /// <summary>The signers, or null with the role nobody configured can sign for.</summary>
    public static (IReadOnlyList<(string Person, string Role)>? Signers, string? Missing) Pick(ApprovalRequested request, ApproverDirectory directory)
    {
        var people = directory.People.Where(p => !string.Equals(p, request.RequestedBy, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        var chosen = new List<(string Person, string Role)>();
        if (!Assign(request.RequiredRoles, 0, people, directory, chosen))
        {
            var missing = request.RequiredRoles.FirstOrDefault(role => !people.Any(p => directory.Holds(p, role)));
            return (null, missing ?? string.Join(" and ", request.RequiredRoles) + " (each by a different person)");
        }
        foreach (var person in people)
        {
            if (chosen.Count >= request.DistinctApprovers) break;
            if (chosen.Any(c => Same(c.Person, person))) continue;
            if (request.RequiredRoles.FirstOrDefault(role => directory.Holds(person, role)) is { } role) chosen.Add((person, role));
        }
        return chosen.Count >= request.DistinctApprovers
            ? (chosen, null)
            : (null, $"{request.DistinctApprovers} different people holding {string.Join(" or ", request.RequiredRoles)}");
    }

    // Each role its own person; few roles, so trying every assignment is cheap and never misses one that exists.
    private static bool Assign(IReadOnlyList<string> roles, int next, List<string> people, ApproverDirectory directory,
        List<(string Person, string Role)> chosen)
    {
        if (next == roles.Count) return true;
        foreach (var person in people.Where(p => directory.Holds(p, roles[next]) && !chosen.Any(c => Same(c.Person, p))))
        {
            chosen.Add((person, roles[next]));
            if (Assign(roles, next + 1, people, directory, chosen)) return true;
            chosen.RemoveAt(chosen.Count - 1);
        }
        return false;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
