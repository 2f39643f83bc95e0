// The PIRender generator (Ren et al., ICCV 2021) on the Facet neural engine (skeleton).
