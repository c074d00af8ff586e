namespace ModelRegistry.Testing;

/// <summary>Promotion policies, ticketing secrets and approvers that the integration tests run the host with.</summary>
public static class TestPolicies
{
    public const string Integration = "test-desk";
    public const string Secret = "test-desk-secret-0123456789abcdef-0123456789";

    /// <summary>Person -> roles, as the host's approver directory (Approvers configuration).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Approvers = new Dictionary<string, string[]>
    {
        ["alice"] = ["model-risk-officer"],
        ["bob"] = ["security-review"],
        ["carol"] = ["model-risk-officer", "security-review"],
        ["dave"] = ["data-scientist"],
    };

    /// <summary>
    /// low: staging and production straight from registered, no gates, no approvals (the fast path).
    /// medium: staging needs an accuracy evaluation (&gt;= 0.8); production from staging needs model-risk-officer and
    /// security-review, two people.
    /// high and critical: as medium, with the given approval timeout (short in expiry tests).
    /// </summary>
    public static string Standard(string approvalTimeout = "P1D", string evaluationTimeout = "P1D") => $$"""
        {
          "tiers": {
            "low": {
              "staging": { "from": ["registered"] },
              "production": { "from": ["registered", "staging"] }
            },
            "medium": {
              "staging": {
                "from": ["registered"],
                "gates": {
                  "requiredSuites": ["accuracy"],
                  "metrics": [{ "suite": "accuracy", "name": "accuracy", "direction": "at_least", "threshold": 0.8 }],
                  "maxFindingSeverity": "medium"
                },
                "evaluationTimeout": "{{evaluationTimeout}}"
              },
              "production": {
                "from": ["staging"],
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "{{approvalTimeout}}" }
              }
            },
            "high": {
              "staging": { "from": ["registered"] },
              "production": {
                "from": ["staging"],
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "{{approvalTimeout}}" }
              }
            },
            "critical": {
              "staging": { "from": ["registered"] },
              "production": {
                "from": ["staging"],
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "{{approvalTimeout}}" }
              }
            }
          }
        }
        """;
}
