using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>Who may place and release legal holds, and what a request must carry (docs/retention.md, "Legal holds").</summary>
public class LegalHoldRules_Specs
{
    private static readonly AccessPolicy Access = new(new HashSet<string> { "mreg-workers" }, new Dictionary<string, PrincipalGrants>
    {
        ["olivia"] = PrincipalGrants.Nothing with { Roles = new HashSet<string> { AccessRoles.LegalHold } },
        ["raj"] = PrincipalGrants.Nothing with { Roles = new HashSet<string> { AccessRoles.Triage, AccessRoles.Retention } },
    });

    private static PlaceLegalHold Place(string model = "fraud-scorer", int? version = 3, string reason = "matter 2026-114") => new()
    {
        RequestId = Guid.NewGuid(), ModelName = model, Version = version, Reason = reason, RequestedBy = "olivia",
    };

    [Fact]
    public void Only_a_principal_with_the_legal_hold_role_may_place_or_release()
    {
        Assert.Null(LegalHoldRules.Requester("olivia", Access, "place legal holds"));
        var notPermitted = LegalHoldRules.Requester("raj", Access, "place legal holds");
        Assert.Equal((RejectionReasons.NotPermitted, "raj may not place legal holds (role 'legal-hold') under the access policy (docs/security.md)"),
            (notPermitted!.ReasonCode, notPermitted.Message));
        Assert.Equal(RejectionReasons.NotPermitted, LegalHoldRules.Requester("mreg-workers", Access, "release legal holds")!.ReasonCode);
        Assert.Equal(RejectionReasons.NotPermitted, LegalHoldRules.Requester("stranger", Access, "release legal holds")!.ReasonCode);
        Assert.Equal(RejectionReasons.Unauthenticated, LegalHoldRules.Requester(null, Access, "place legal holds")!.ReasonCode);
    }

    [Fact]
    public void A_complete_request_for_a_model_or_a_version_is_valid()
    {
        Assert.Null(LegalHoldRules.Invalid(Place()));
        Assert.Null(LegalHoldRules.Invalid(Place(version: null)));
        Assert.Null(LegalHoldRules.Invalid(Place(reason: new string('r', 1000))));
        Assert.Null(LegalHoldRules.Invalid(new ReleaseLegalHold { RequestId = Guid.NewGuid(), HoldId = Guid.NewGuid(), Reason = "matter closed" }));
    }

    public static TheoryData<string, string> InvalidPlacements => new()
    {
        { "requestId", "requestId: required (a new UUID per request; the same id again is the same request)" },
        { "reason", "reason: required (1-1,000 characters, e.g. the matter or case number)" },
        { "long reason", "reason: 1001 characters, at most 1000" },
        { "modelName", "modelName: required" },
        { "bad modelName", "modelName: 'Fraud Scorer' must be 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit" },
        { "version", "version: 0 must be at least 1 (or absent: the whole model)" },
        { "NUL", "reason: contains a NUL character at index 6" },
    };

    [Theory]
    [MemberData(nameof(InvalidPlacements))]
    public void A_placement_missing_or_overflowing_a_field_is_invalid_value(string field, string message)
    {
        var m = field switch
        {
            "requestId" => Place() with { RequestId = Guid.Empty },
            "reason" => Place(reason: "  "),
            "long reason" => Place(reason: new string('r', 1001)),
            "modelName" => Place(model: ""),
            "bad modelName" => Place(model: "Fraud Scorer"),
            "version" => Place(version: 0),
            _ => Place(reason: "matter\0"),
        };
        var refused = LegalHoldRules.Invalid(m);
        Assert.Equal((RejectionReasons.InvalidValue, message), (refused!.ReasonCode, refused.Message));
    }

    [Fact]
    public void A_release_needs_a_request_id_a_hold_id_and_a_reason()
    {
        var ok = new ReleaseLegalHold { RequestId = Guid.NewGuid(), HoldId = Guid.NewGuid(), Reason = "closed" };
        Assert.Equal("requestId", LegalHoldRules.Invalid(ok with { RequestId = Guid.Empty })!.Message.Split(':')[0]);
        Assert.Equal("holdId: required (the request id that placed the hold)", LegalHoldRules.Invalid(ok with { HoldId = Guid.Empty })!.Message);
        Assert.Equal(RejectionReasons.InvalidValue, LegalHoldRules.Invalid(ok with { Reason = "" })!.ReasonCode);
    }

    [Fact]
    public void Placing_on_an_unknown_model_or_version_is_refused_with_its_own_code()
    {
        var unknownModel = LegalHoldRules.Target(Place(), modelExists: false, versionExists: false);
        Assert.Equal((RejectionReasons.UnknownModel, "modelName: no model is named fraud-scorer"), (unknownModel!.ReasonCode, unknownModel.Message));
        var unknownVersion = LegalHoldRules.Target(Place(), modelExists: true, versionExists: false);
        Assert.Equal((LegalHoldRules.UnknownVersion, "version: fraud-scorer has no version 3"), (unknownVersion!.ReasonCode, unknownVersion.Message));
        Assert.Null(LegalHoldRules.Target(Place(version: null), modelExists: true, versionExists: false));
        Assert.Null(LegalHoldRules.Target(Place(), modelExists: true, versionExists: true));
    }

    [Fact]
    public void Releasing_an_unknown_or_released_hold_is_refused()
    {
        var id = Guid.Parse("5d1f0a4e-0000-4000-8000-000000000001");
        var unknown = LegalHoldRules.Release(id, null);
        Assert.Equal((LegalHoldRules.UnknownHold, $"holdId: no legal hold {id} (see `mreg hold list --all`)"), (unknown!.ReasonCode, unknown.Message));
        var at = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);
        var released = LegalHoldRules.Release(id, new HoldState(id, Guid.NewGuid(), "fraud-scorer", null, true, "olivia", at));
        Assert.Equal((LegalHoldRules.AlreadyReleased, $"holdId: the hold {id} on fraud-scorer (every version) was released by olivia at 2026-12-01 09:30:00Z"),
            (released!.ReasonCode, released.Message));
        Assert.Null(LegalHoldRules.Release(id, new HoldState(id, Guid.NewGuid(), "fraud-scorer", 2, false, null, null)));
    }
}
