"""API Gateway style route matching over the template's Api events."""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    method: str  # upper case; "ANY" matches every method
    path: str  # the template's resource path, e.g. "/v1/stores/{storeId}"
    function: str  # logical id of the function that serves it
    event: str = ""  # name of the Api event in the function's Events

    @property
    def segments(self) -> list[str]:
        return split_path(self.path)

    def specificity(self) -> tuple[int, ...]:
        """Sort key: static segments beat {param}, which beats {proxy+}; longer paths win ties."""
        ranks = [0 if _is_greedy(s) else 1 if _is_param(s) else 2 for s in self.segments]
        return (*ranks, len(ranks))

    def match_path(self, path: str) -> dict[str, str] | None:
        """Path parameters if this route's resource path matches path, else None."""
        wanted, given = self.segments, split_path(path)
        params: dict[str, str] = {}
        for index, segment in enumerate(wanted):
            if _is_greedy(segment):
                rest = given[index:]
                if not rest:
                    return None
                params[segment[1:-2]] = "/".join(rest)
                return params
            if index >= len(given):
                return None
            if _is_param(segment):
                params[segment[1:-1]] = given[index]
            elif segment != given[index]:
                return None
        return params if len(given) == len(wanted) else None


def split_path(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _is_greedy(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("+}")


class Routes(list[Route]):
    """Routes, most specific first, with API Gateway's matching rules."""

    def resource_for(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The resource path API Gateway would pick for a request path, and its parameters."""
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for specificity, route in self._candidates(len(split_path(path))):
            params = route.match_path(path)
            if params is not None and (best is None or specificity > best[0]):
                best = (specificity, route.path, params)
        return (best[1], best[2]) if best else None

    def _candidates(self, segments: int) -> list[tuple[tuple[int, ...], Route]]:
        """The routes that can match a path of this many segments (those of as many, and the greedy ones),
        with their specificity; worked out once per list of routes (every request asks)."""
        cached: tuple[int, dict[int, list[tuple[tuple[int, ...], Route]]]] | None = self.__dict__.get("_by_length")
        if cached is None or cached[0] != len(self):
            by_length: dict[int, list[tuple[tuple[int, ...], Route]]] = {}
            greedy: list[tuple[tuple[int, ...], Route]] = []
            for route in self:
                entry = (route.specificity(), route)
                if any(_is_greedy(segment) for segment in route.segments):
                    greedy.append(entry)
                else:
                    by_length.setdefault(len(route.segments), []).append(entry)
            by_length[-1] = greedy
            cached = (len(self), by_length)
            self.__dict__["_by_length"] = cached
        return cached[1].get(segments, []) + cached[1][-1]

    def methods_for(self, resource: str) -> list[str]:
        return sorted({route.method for route in self if route.path == resource})

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Like API Gateway: pick the most specific resource first, then the method on it.

        So DELETE /v1/stores/plans does not fall back to /v1/stores/{storeId}; it has no route.
        """
        found = self.resource_for(path)
        if found is None:
            return None
        resource, params = found
        method = method.upper()
        candidates = [r for r in self if r.path == resource and r.method in (method, "ANY")]
        if not candidates:
            return None
        # An explicit method beats ANY on the same resource.
        candidates.sort(key=lambda r: r.method == "ANY")
        return candidates[0], params


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """Module-level form of Routes.match for any list of routes."""
    return (routes if isinstance(routes, Routes) else Routes(routes)).match(method, path)
