"""The Guide sheet: how to read and use a generated workbook, in English and French."""

from __future__ import annotations

__all__ = ["guide_rows"]

_EN = [
    ("title", "How this workbook works"),
    ("text", "Every headline number on the Dashboard is a live Excel formula over this workbook's own data "
             "tables, and a workbook-level name (KPI_NRR, KPI_NPS, ...) that you can use in your own formulas: "
             "=KPI_NRR."),
    ("label", "Change the period"),
    ("text", "On the Settings sheet, pick the first and last month of the report period (yellow cells, named "
             "PeriodStart and PeriodEnd). Every KPI, chart and table follows at once: no refresh needed."),
    ("label", "Edit the health score"),
    ("text", "Settings also holds the health configuration: a weight, a floor (scores 0) and a target (scores 100) "
             "per component, and the Red/Green thresholds. Scores follow your edits at once."),
    ("label", "Edit or add data: click Refresh"),
    ("text", "The data sheets are Excel tables (Customers, Subscriptions, Responses, Tickets, Usage, Orders, Funnel, "
             "Acquisition). Order, funnel and acquisition KPIs, the end-month MRR and the health components' usage "
             "values read the tables directly and follow edits at once. Revenue retention, movements, cohorts, "
             "survey and support KPIs, health sentiment and support, breakdowns and repeat purchases read helper "
             "sheets (calc_mrr, calc_months, calc_health, calc_groups, calc_orders) derived from the tables, so that "
             "a workbook of 50 000 customers still recalculates in seconds: after editing or adding data rows (or a "
             "new month), click CS KPIs > Refresh KPIs in Excel, or run 'cskpi refresh' on the file. Refresh "
             "rewrites the computed and helper sheets only: your data tables, the Settings and any sheet you added "
             "are kept."),
    ("label", "Definitions"),
    ("text", "NRR = MRR of the start month's customers in the end month / their MRR in the start month. GRR caps "
             "each customer's MRR at its start value. Logo churn = start customers with no MRR at the end / start "
             "customers. Retention = (customers at end - new customers) / customers at start. Quick ratio = (new + "
             "expansion + reactivation) / (contraction + churn) over the months after the start month. NPS = % "
             "promoters (9-10) - % detractors (0-6); CSAT = share of 4-5 (or yes) answers; CES = mean answer on 1-7 "
             "(higher is easier). FCR = tickets resolved at first contact / tickets. 'n/a' means the KPI is "
             "undefined for the period (its denominator is 0)."),
    ("text", "Health: each component is scaled from its floor (0) to its target (100); the score is the weighted "
             "mean of the components that have a value (missing ones are left out and the weights re-normalised). "
             "The Health sheet shows every component's value, score and contribution."),
    ("label", "Compare, rate, follow up"),
    ("text", "The Dashboard shows each KPI for the report period and for the previous period of the same length "
             "(names KPI_PREV_NRR, ...; PrevPeriodStart and PrevPeriodEnd), the change (in points for NPS, in "
             "percentage points for rates; the arrow is green when the KPI moved the good way), the benchmark band "
             "and your target. Bands and targets are tables on Settings (Bands, Targets): edit them and the "
             "Dashboard follows. KpiBySegment and KpiByCsm (Breakdowns sheet) follow the period too. The Follow-up "
             "sheet lists the accounts at risk (Red, or a health score that fell by at least the drop set on "
             "Settings) and the detractors to call: these lists are written as of the build or the last Refresh."),
    ("text", "When a data table was edited in a way the helper sheets do not follow (rows added or removed, an MRR, "
             "amount, score, date, ticket flag or group changed), the Dashboard says so in red (name DataStale): "
             "click Refresh. The Score check sheet (does the health score predict churn?) and the Follow-up lists "
             "are written as of the build or the last Refresh; the Dashboard also says when the period on Settings "
             "is no longer the lists' period."),
    ("label", "Sheets"),
]

_FR = [
    ("title", "Mode d'emploi de ce classeur"),
    ("text", "Chaque indicateur du tableau de bord est une formule Excel vivante sur les tables de données de ce "
             "classeur, et un nom défini au niveau du classeur (KPI_NRR, KPI_NPS, ...) utilisable dans vos propres "
             "formules : =KPI_NRR."),
    ("label", "Changer la période"),
    ("text", "Dans la feuille Paramètres, choisissez le premier et le dernier mois de la période (cellules jaunes, "
             "nommées PeriodStart et PeriodEnd). Tous les indicateurs, graphiques et tableaux suivent immédiatement, "
             "sans actualisation."),
    ("label", "Modifier le score de santé"),
    ("text", "Paramètres contient aussi la configuration du score de santé : un poids, un plancher (score 0) et une "
             "cible (score 100) par composante, et les seuils Rouge/Vert. Les scores suivent vos modifications."),
    ("label", "Modifier ou ajouter des données : cliquez sur Actualiser"),
    ("text", "Les feuilles de données sont des tableaux Excel (Customers, Subscriptions, Responses, Tickets, Usage, "
             "Orders, Funnel, Acquisition). Les indicateurs de commandes, d'entonnoir et d'acquisition, le MRR du "
             "mois de fin et les valeurs d'utilisation des composantes de santé lisent directement les tables et "
             "suivent vos modifications. La rétention du revenu, les mouvements, les cohortes, les indicateurs "
             "d'enquêtes et de support, le sentiment et le support de la santé, les ventilations et le réachat "
             "lisent des feuilles d'aide (calc_mrr, calc_months, calc_health, calc_groups, calc_orders) dérivées "
             "des tables, pour qu'un classeur de 50 000 clients se recalcule en quelques secondes : après avoir "
             "modifié ou ajouté des lignes (ou un nouveau mois), cliquez sur CS KPIs > Refresh KPIs dans Excel, ou "
             "lancez 'cskpi refresh' sur le fichier. L'actualisation ne réécrit que les feuilles calculées et "
             "d'aide : vos tables, les Paramètres et vos propres feuilles sont conservés."),
    ("label", "Définitions"),
    ("text", "NRR = MRR en fin de période des clients du mois de début / leur MRR du mois de début. Le GRR plafonne "
             "le MRR de chaque client à sa valeur de départ. Churn clients = clients du début sans MRR à la fin / "
             "clients du début. Rétention = (clients à la fin - nouveaux clients) / clients au début. Quick ratio = "
             "(nouveau + expansion + réactivation) / (contraction + churn) sur les mois après le mois de début. NPS "
             "= % promoteurs (9-10) - % détracteurs (0-6) ; CSAT = part des réponses 4-5 (ou oui) ; CES = réponse "
             "moyenne sur 1-7 (plus haut = plus facile). FCR = tickets résolus au premier contact / tickets. « n.d. » "
             "signifie que l'indicateur n'est pas défini sur la période (dénominateur nul)."),
    ("text", "Santé : chaque composante est ramenée de son plancher (0) à sa cible (100) ; le score est la moyenne "
             "pondérée des composantes renseignées (les manquantes sont écartées et les poids renormalisés). La "
             "feuille Santé montre la valeur, le score et la contribution de chaque composante."),
    ("label", "Comparer, situer, relancer"),
    ("text", "Le tableau de bord montre chaque indicateur sur la période et sur la période précédente de même durée "
             "(noms KPI_PREV_NRR, ... ; PrevPeriodStart et PrevPeriodEnd), l'évolution (en points pour le NPS, en "
             "points de pourcentage pour les taux ; la flèche est verte quand l'indicateur évolue dans le bon sens), "
             "le seuil de référence et votre objectif. Seuils et objectifs sont des tableaux de la feuille Paramètres "
             "(Bands, Targets) : modifiez-les, le tableau de bord suit. KpiBySegment et KpiByCsm (feuille "
             "Ventilations) suivent aussi la période. La feuille Suivi liste les comptes à risque (Rouge, ou score "
             "de santé en baisse d'au moins le seuil des Paramètres) et les détracteurs à rappeler : ces listes sont "
             "écrites à la création ou à la dernière actualisation."),
    ("text", "Quand une table de données a été modifiée d'une façon que les feuilles d'aide ne suivent pas (lignes "
             "ajoutées ou supprimées, MRR, montant, note, date, indicateur de ticket ou groupe changé), le tableau de "
             "bord l'indique en rouge (nom DataStale) : cliquez sur Actualiser. La feuille Contrôle du score (le "
             "score de santé prédit-il le churn ?) et les listes du Suivi sont écrites à la création ou à la "
             "dernière actualisation ; le tableau de bord signale aussi quand la période des Paramètres n'est plus "
             "celle des listes."),
    ("label", "Feuilles"),
]


def guide_rows(lang: str, sheet_titles: list[str], scope: str) -> list[tuple[str, str]]:
    """(text, style) rows of the Guide sheet."""
    rows = _EN if lang == "en" else _FR
    out = [(f"{text} — {scope}" if style == "title" else text, style) for style, text in rows]
    out += [(f"• {title}", "text") for title in sheet_titles]
    return out
