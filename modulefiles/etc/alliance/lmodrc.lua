-- Lmod settings of alliance: rendered by pyherd from sites/alliance.yaml.
-- Lmod reads its own rc files (its lmodrc.lua, /etc/lmodrc.lua, ~/.lmodrc.lua), then each
-- one LMOD_RC lists, in one Lua state. This file adds the site's property values to the
-- propT the files before it made, instead of replacing it, so a site's own lmodrc stays
-- in force; append it to LMOD_RC.
propT = propT or {}
do
    local kind = propT["type_"] or {}
    propT["type_"] = kind
    kind.validT = kind.validT or {}
    kind.displayT = kind.displayT or {}
    kind.validT["tools"] = 1
    kind.displayT["tools"] = { short = "(t)", long = "(t)", color = "blue", doc = "Tools for development / Outils de développement" }
    kind.validT["math"] = 1
    kind.displayT["math"] = { short = "(math)", long = "(math)", color = "blue", doc = "Mathematical libraries / Bibliothèques mathématiques" }
end
-- no spider cache of its own: the caches rc files before it named are counted once
scDescriptT = {}
